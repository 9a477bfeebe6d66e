// A tunnel through an HTTP(S) proxy to one host: CONNECT host:port, as Go's net/http
// opens it for https requests. The driver's own, on Node's public socket APIs, so that a
// proxy's refusal is an error that names the proxy and its status (a proxy agent that
// replays the refusal as the response makes a proxy's 403 look like Key Vault's).
import { connect as connectTcp, isIP, type Socket } from "node:net";
import { connect as connectTls, type ConnectionOptions, type TLSSocket } from "node:tls";
import { certificateProblem, isCertificateFailure } from "./certificateProblems";
import { unbracketed } from "./ipAddress";
import type { ProxySetting } from "./proxyRules";

export const PROXY_ERROR_CODE = "ERR_PROXY";
/** How the message of a proxy that cannot be reached begins (its error keeps the socket's code). */
export const PROXY_UNREACHABLE = "cannot connect to the proxy";

/** What went wrong with a proxy, in the operator's words; not a code the SDK retries. */
export class ProxyError extends Error {
  override readonly name = "ProxyError";
  readonly code = PROXY_ERROR_CODE;
}

/** The largest CONNECT answer read: a proxy's headers, not a page. */
const MAX_ANSWER_BYTES = 16_384;

function fixFor(status: number): string {
  if (status === 407)
    return "the proxy asks for credentials: give them in the proxy's URL (http://user:password@host:port)";
  if (status === 403)
    return (
      "the proxy's rules refuse this host: allow it on the proxy, or, if the node may reach it directly, " +
      "add it to NO_PROXY"
    );
  if (status >= 500)
    return "the proxy could not reach the host: check the host name and the proxy's own DNS and egress";
  return "check the proxy";
}

/** The proxy's own answer to a request it did not pass on; `what`: e.g. "tunnel to host:443". */
export function proxyRefusal(proxy: ProxySetting, what: string, said: string, status: number): ProxyError {
  return new ProxyError(`the proxy ${proxy.label} refused to ${what} (${said}); ${fixFor(status)}`);
}

/**
 * The error of a connection to `proxy` that failed: a certificate that does not verify is
 * the proxy's; any other keeps its code (so the SDK's retries apply), its message naming the proxy.
 */
export function proxyConnectionFailure(proxy: ProxySetting, error: NodeJS.ErrnoException): Error {
  if (isCertificateFailure(error.code)) {
    const whose = `the TLS certificate of the proxy ${proxy.label}`;
    return new ProxyError(certificateProblem(error.code ?? "", error.message, whose, proxy.url.hostname));
  }
  const check = `check ${proxy.variable}, and that the proxy runs`;
  error.message = `${PROXY_UNREACHABLE} ${proxy.label} (${error.message}); ${check}`;
  return error;
}

export function authorityOf(host: string, port: number): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}

function connectToProxy({ url }: ProxySetting): Socket {
  const host = unbracketed(url.hostname);
  if (url.protocol === "https:") {
    return connectTls({
      host,
      port: Number(url.port) || 443,
      servername: isIP(host) ? undefined : host,
      rejectUnauthorized: true,
    });
  }
  return connectTcp({ host, port: Number(url.port) || 80 });
}

function connectRequest(proxy: ProxySetting, authority: string): string {
  const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
  if (proxy.authorization) lines.push(`Proxy-Authorization: ${proxy.authorization}`);
  return `${lines.join("\r\n")}\r\n\r\n`;
}

/**
 * A connection to `host:port` through `proxy` (http: or https:), ready for TLS once the
 * proxy has answered 200. A proxy that cannot be reached fails with the socket's own error
 * (its code kept, so the SDK's retries apply), its message naming the proxy.
 */
function openTunnel(proxy: ProxySetting, host: string, port: number): Promise<Socket> {
  const authority = authorityOf(host, port);
  const { label } = proxy;
  return new Promise((resolve, reject) => {
    const socket = connectToProxy(proxy).setNoDelay(true);
    let answer = Buffer.alloc(0);
    const settle = (error?: Error) => {
      socket.off("data", onData).off("error", onError).off("close", onClose);
      if (!error) return resolve(socket.pause());
      socket.destroy();
      reject(error);
    };
    const onError = (error: NodeJS.ErrnoException) => settle(proxyConnectionFailure(proxy, error));
    const onClose = () =>
      settle(
        Object.assign(new Error(`the proxy ${label} closed the connection before answering CONNECT ${authority}`), {
          code: "ECONNRESET",
        }),
      );
    const onData = (chunk: Buffer) => {
      answer = Buffer.concat([answer, chunk]);
      const end = answer.indexOf("\r\n\r\n");
      if (end < 0) {
        if (answer.length > MAX_ANSWER_BYTES)
          settle(new ProxyError(`the proxy ${label} answered CONNECT ${authority} with no end to its headers`));
        return;
      }
      const statusLine = answer.subarray(0, answer.indexOf("\r\n")).toString("latin1");
      const [, status = "", reason = ""] = /^HTTP\/\d(?:\.\d)? (\d{3}) ?(.*)$/.exec(statusLine) ?? [];
      if (status === "200") return settle();
      const said = status ? `HTTP ${status}${reason ? ` ${reason}` : ""}` : `'${statusLine.slice(0, 80)}'`;
      settle(proxyRefusal(proxy, `tunnel to ${authority}`, said, Number(status)));
    };
    socket.on("data", onData).on("error", onError).on("close", onClose);
    socket.once(proxy.url.protocol === "https:" ? "secureConnect" : "connect", () =>
      socket.write(connectRequest(proxy, authority)),
    );
  });
}

/**
 * TLS to `options.host:options.port` over a tunnel through `proxy`: the tunnelled
 * connection of both https agents (tunnelAgent.ts, speed/tlsPool.ts). Certificates always checked.
 */
export async function tlsThroughProxy(
  proxy: ProxySetting,
  options: ConnectionOptions & { host: string; port: number },
): Promise<TLSSocket> {
  const socket = await openTunnel(proxy, options.host, options.port);
  return connectTls({ ...options, socket, rejectUnauthorized: true });
}
