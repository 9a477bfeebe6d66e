// The keep-alive TLS connections of one mount, either direct or through one HTTPS_PROXY.
// What the agents the SDK picks do not do:
//  - open connections before any request needs them (`openAhead`), so a vault's TCP,
//    CONNECT and TLS round trips overlap the token request instead of following it;
//  - resume the first connection's TLS session on the others. Node's https.Agent does
//    that for direct connections; https-proxy-agent does not for tunnels. A resumed
//    session skips the certificate exchange and its checks on both ends;
//  - turn Nagle's algorithm off (see `dial`).
// docs/performance.md has what each was measured to give.
import { Agent, type AgentConnectOpts } from "agent-base";
import { EventEmitter } from "node:events";
import type { ClientRequest } from "node:http";
import { isIP } from "node:net";
import type { Duplex } from "node:stream";
import { connect as connectTls, createSecureContext, TLSSocket, type SecureContext } from "node:tls";
import type { HttpsProxyAgent } from "https-proxy-agent";

type HttpsConnectOpts = Extract<AgentConnectOpts, { secureEndpoint: true }>;

/** A connection opened ahead: dialled once, either by `openAhead` or by the request that takes it. */
interface EarlyConnection {
  dial(): Promise<TLSSocket | undefined>;
}

function endpointOf(options: { host?: string | null; port?: number | string | null }): string {
  return `${options.host}:${options.port || 443}`;
}

/**
 * How long a request waits for a connection opened ahead that is still being set up before
 * it dials its own: a proxy that never answers one CONNECT, or a lost SYN, must not hold the
 * request until the mount's deadline. Set-up normally takes a few round trips.
 */
const EARLY_CONNECTION_WAIT_MS = 3_000;

function once<T>(start: () => Promise<T>): () => Promise<T> {
  let started: Promise<T> | undefined;
  return () => (started ??= start());
}

/** The socket once its TLS handshake is done; undefined if the connection failed. */
function whenSecure(socket: Duplex): Promise<TLSSocket | undefined> {
  if (!(socket instanceof TLSSocket)) {
    // https-proxy-agent's stand-in for a refused CONNECT: the request that needs it dials itself and gets the proxy's answer.
    socket.destroy();
    return Promise.resolve(undefined);
  }
  // Failures of a connection nobody uses yet must not crash the call; a request that takes it gets its own error listeners.
  socket.on("error", () => undefined);
  return new Promise((settle) => {
    socket.once("secureConnect", () => settle(socket));
    socket.once("close", () => settle(undefined));
  });
}

/** The early connection if it is ready within `ms`; one that comes later is closed, unused. */
function readyWithin(connection: Promise<TLSSocket | undefined>, ms: number): Promise<TLSSocket | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((giveUp) => (timer = setTimeout(() => giveUp(undefined), ms)));
  const ready = connection.then((socket) => {
    clearTimeout(timer);
    return socket;
  });
  return Promise.race([ready, late]).then((socket) => {
    if (!socket) void ready.then((lateSocket) => lateSocket?.destroy());
    return socket;
  });
}

export class TlsPool extends Agent {
  /** The latest TLS session per endpoint, offered by every new connection to it. */
  private readonly sessions = new Map<string, Buffer>();
  private readonly early = new Map<string, EarlyConnection[]>();
  /**
   * One for all connections: without it Node builds one per connection from the request's
   * options, which carry no TLS settings here, so each would be this same default context.
   */
  private secureContext?: SecureContext;

  /** @param tunnel the proxy's agent; without one, connections are direct. */
  constructor(private readonly tunnel?: HttpsProxyAgent<string>) {
    super({ keepAlive: true });
  }

  /**
   * This pool is only given https requests. agent-base would guess otherwise from the
   * call stack, and pool freed connections under a name no request asks for.
   */
  override isSecureEndpoint(): boolean {
    return true;
  }

  override async connect(req: ClientRequest, options: AgentConnectOpts): Promise<Duplex> {
    const early = this.early.get(endpointOf(options))?.shift();
    const socket = early && (await readyWithin(early.dial(), EARLY_CONNECTION_WAIT_MS));
    // Only one nothing has happened on since: a server that has begun to close it, or has
    // written to it (a 408 for a connection left idle), would answer the request with that.
    if (socket && !socket.destroyed && socket.writable && !socket.readableEnded && socket.readableLength === 0) {
      // What https-proxy-agent does for the request it tunnels for (the early one had none).
      req.once("socket", (s: Duplex) => s.resume());
      return socket;
    }
    socket?.destroy();
    return this.dial(req, options as HttpsConnectOpts);
  }

  /**
   * Opens `count` connections to `url`'s host before any request asks: one first, and
   * the rest once its TLS session arrives, to resume it. Requests take them in order; a
   * request that finds one still waiting for that session dials it at once. If the first
   * fails (a proxy that refuses the host, a certificate that does not verify), no more
   * are opened ahead: each request then dials, and fails, on its own, with its own error.
   * Connections no request takes (the token failed, say) stay open until the process
   * ends: every call of the driver ends with process.exit.
   */
  openAhead(url: URL, count: number): void {
    if (count < 1) return;
    const options: HttpsConnectOpts = { host: url.hostname, port: Number(url.port) || 443, secureEndpoint: true };
    const endpoint = endpointOf(options);
    const dialEarly = () => this.dial(new EventEmitter() as ClientRequest, options).then(whenSecure, () => undefined);
    const first = once(dialEarly);
    const rest = Array.from({ length: count - 1 }, () => ({ dial: once(dialEarly) }));
    const queue = [{ dial: first }, ...rest];
    this.early.set(endpoint, queue);
    void first().then((socket) => {
      if (!socket) {
        queue.length = 0;
        return;
      }
      const dialRest = () => rest.forEach((connection) => void connection.dial());
      if (this.sessions.has(endpoint)) return dialRest();
      socket.once("session", dialRest);
      socket.once("close", dialRest);
    });
  }

  private async dial(req: ClientRequest, options: HttpsConnectOpts): Promise<Duplex> {
    const endpoint = endpointOf(options);
    this.secureContext ??= createSecureContext();
    const withSession = { ...options, session: this.sessions.get(endpoint), secureContext: this.secureContext };
    const host = options.host ?? "";
    // noDelay (the tunnel's agent sets it on its proxy socket): a resumed TLS 1.3 handshake
    // ends with the client's Finished, which the server has no answer to carry the ACK
    // for, so Nagle held the first request back until the server's delayed ACK (40 ms).
    const socket = this.tunnel
      ? await this.tunnel.connect(req, withSession)
      : connectTls({ ...withSession, servername: isIP(host) ? undefined : host }).setNoDelay(true);
    if (socket instanceof TLSSocket) {
      socket.on("session", (session: Buffer) => this.sessions.set(endpoint, session));
      // As Node's https.Agent does: a connection that ends in an error takes its endpoint's session with it.
      socket.once("close", (hadError: boolean) => hadError && this.sessions.delete(endpoint));
    }
    return socket;
  }
}
