// The HTTPS_PROXY the driver is pointed at. It plays a TLS-inspecting egress proxy:
// a CONNECT to a known Azure host is accepted and the tunnel's TLS is terminated
// here with a certificate for that host from the test CA; the decrypted requests go
// to `inner`, the in-process server that plays Azure. Anything else is refused with
// 502, as a proxy does when it cannot resolve or reach a host; a host a test names is
// refused with the status it asks for, as a proxy's allow list or its login does.
import { IncomingMessage, STATUS_CODES, Server, ServerResponse, createServer } from "node:http";
import { createServer as createTlsServer } from "node:https";
import { Socket } from "node:net";
import { TLSSocket } from "node:tls";
import { CertificateKind, TestCa } from "./ca";
import { SocketTracker, closeServer, layerSocket, listen } from "./http";
import { Traffic } from "./traffic";

export interface ProxyOptions {
  ca: TestCa;
  isAzureHost(host: string): boolean;
  /** The certificate the tunnel's TLS presents for `host`. */
  certificateOf(host: string): CertificateKind;
  /** The status CONNECT to `host` is refused with; undefined: accepted. */
  refusalFor(host: string): number | undefined;
  /** Gets every decrypted connection (it is never listening itself). */
  inner: Server;
  traffic: Traffic;
  /** Listen for TLS (an https:// proxy) with this key and certificate, made for 127.0.0.1. */
  tls?: { key: string; cert: string };
}

export interface ConnectProxy {
  /** http://127.0.0.1:<port>, or https:// with `tls` */
  url: string;
  /** Clients' connections to the proxy still open (each tunnel is one). */
  openConnections(): number;
  close(): Promise<void>;
}

export async function startConnectProxy(o: ProxyOptions): Promise<ConnectProxy> {
  const sockets = new SocketTracker();
  // A plain (non-CONNECT) request means something sent http:// traffic to the proxy:
  // the driver has no business doing that (IMDS and NMI must bypass it via NO_PROXY).
  const answerPlainRequest = (req: IncomingMessage, res: ServerResponse) => {
    o.traffic.recordProxy(req.method ?? "", req.headers.host ?? "", 502);
    res.writeHead(502, { "content-type": "text/plain" }).end("this proxy only tunnels https (CONNECT)\n");
  };
  const server = o.tls ? createTlsServer(o.tls, answerPlainRequest) : createServer(answerPlainRequest);
  sockets.watch(server);
  const clients = new SocketTracker();
  clients.watch(server);
  server.on("connect", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    void tunnel(o, sockets, req, socket, head).catch(() => socket.destroy());
  });
  const port = await listen(server, "127.0.0.1");
  return {
    url: `${o.tls ? "https" : "http"}://127.0.0.1:${port}`,
    openConnections: () => clients.size,
    async close() {
      sockets.destroyAll();
      await closeServer(server);
    },
  };
}

async function tunnel(o: ProxyOptions, sockets: SocketTracker, req: IncomingMessage, socket: Socket, head: Buffer) {
  const [host, port] = splitAuthority(req.url ?? "");
  if (!o.isAzureHost(host) || port !== 443) {
    o.traffic.recordProxy("CONNECT", `${host}:${port}`, 502);
    socket.end("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
    return;
  }
  const refusal = o.refusalFor(host);
  if (refusal) {
    o.traffic.recordProxy("CONNECT", `${host}:${port}`, refusal);
    const page = "<html><body>Access to this site is blocked by your organisation's policy.</body></html>";
    socket.end(
      `HTTP/1.1 ${refusal} ${STATUS_CODES[refusal]}\r\nContent-Type: ` +
        `text/html\r\nContent-Length: ${page.length}\r\n\r\n${page}`,
    );
    return;
  }
  const secureContext = await o.ca.secureContextFor(host, o.certificateOf(host));
  o.traffic.recordProxy("CONNECT", `${host}:${port}`, 200);
  socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
  if (head.length) socket.unshift(head);
  const tls = new TLSSocket(socket, { isServer: true, secureContext, ALPNProtocols: ["http/1.1"] });
  tls.on("error", () => tls.destroy());
  tls.once("secure", () => o.traffic.recordTlsSession(host, tls.isSessionReused()));
  layerSocket(tls, socket);
  sockets.add(tls);
  o.inner.emit("connection", tls);
}

function splitAuthority(authority: string): [string, number] {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(authority);
  return m ? [m[1].toLowerCase(), Number(m[2])] : [authority.toLowerCase(), 443];
}
