// The keep-alive TLS connections of one mount on one route (direct, or through one proxy).
// What the plain agents (Node's, and http/tunnelAgent.ts) do not do:
//  - open connections before any request needs them (`openAhead`), so a vault's TCP,
//    CONNECT and TLS round trips overlap the token request instead of following it;
//  - resume the first connection's TLS session on the others, through a proxy too: a
//    resumed session skips the certificate exchange and its checks on both ends;
//  - build one SecureContext for all connections, and turn Nagle's algorithm off (`dial`).
// Only Node's public APIs: an https.Agent whose createConnection hands out these sockets.
import { Agent, type RequestOptions } from "node:https";
import { isIP } from "node:net";
import type { Duplex } from "node:stream";
import { connect as connectTls, createSecureContext, TLSSocket, type SecureContext } from "node:tls";
import type { ProxySetting } from "../http/proxyRules";
import { tlsThroughProxy } from "../http/proxyTunnel";

/** A connection opened ahead: dialled once, either by `openAhead` or by the request that takes it. */
interface EarlyConnection {
  dial(): Promise<TLSSocket | undefined>;
  /** Its socket, once it was dialled; undefined: never dialled. */
  dialled(): Promise<TLSSocket | undefined> | undefined;
}

interface Endpoint {
  host: string;
  port: number;
}

const endpointOf = (options: RequestOptions): Endpoint => ({
  host: options.host ?? options.hostname ?? "",
  port: Number(options.port) || 443,
});
const keyOf = ({ host, port }: Endpoint) => `${host}:${port}`;

/**
 * How long a request waits for a connection opened ahead that is still being set up before
 * it dials its own: a proxy that never answers one CONNECT, or a lost SYN, must not hold the
 * request until the mount's deadline. Set-up normally takes a few round trips.
 */
const EARLY_CONNECTION_WAIT_MS = 3_000;

function once(start: () => Promise<TLSSocket | undefined>): EarlyConnection {
  let started: Promise<TLSSocket | undefined> | undefined;
  return { dial: () => (started ??= start()), dialled: () => started };
}

/** The socket once its TLS handshake is done; undefined if the connection failed. */
function whenSecure(socket: TLSSocket): Promise<TLSSocket | undefined> {
  // Failures of a connection nobody uses yet must not crash the call; a request that takes it gets its own error
  // listeners.
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

/**
 * Only one nothing has happened on since it was opened: a server that has begun to close
 * it, or has written to it (a 408 for a connection left idle), would answer the request with that.
 */
const untouched = (socket: TLSSocket): boolean =>
  !socket.destroyed && socket.writable && !socket.readableEnded && socket.readableLength === 0;

export class TlsPool extends Agent {
  /** The latest TLS session per endpoint, offered by every new connection to it. */
  private readonly sessions = new Map<string, Buffer>();
  private readonly early = new Map<string, EarlyConnection[]>();
  /**
   * One for all connections: without it Node builds one per connection from the request's
   * options, which carry no TLS settings here, so each would be this same default context.
   */
  private secureContext?: SecureContext;
  private closed = false;

  /** @param proxy the route's proxy; without one, connections are direct. */
  constructor(private readonly proxy?: ProxySetting) {
    super({ keepAlive: true });
  }

  override createConnection(
    options: RequestOptions,
    callback?: (error: Error | null, socket: Duplex) => void,
  ): undefined {
    const endpoint = endpointOf(options);
    const early = this.early.get(keyOf(endpoint))?.shift();
    const socket = early
      ? readyWithin(early.dial(), EARLY_CONNECTION_WAIT_MS).then((ready) => {
          if (ready && untouched(ready)) return ready;
          ready?.destroy();
          return this.dial(endpoint);
        })
      : this.dial(endpoint);
    socket.then(
      // One that comes after destroy() is not the agent's to track: closed at once.
      (ready) => (this.closed ? ready.destroy() : undefined, callback?.(null, ready)),
      (error: Error) => callback?.(error, undefined as never),
    );
    return undefined;
  }

  /**
   * Opens `count` connections to `url`'s host before any request asks: one first, and
   * the rest once its TLS session arrives, to resume it. Requests take them in order; a
   * request that finds one still waiting for that session dials it at once. If the first
   * fails (a proxy that refuses the host, a certificate that does not verify), no more
   * are opened ahead: each request then dials, and fails, on its own, with its own error.
   * Connections no request takes (the token failed, say) stay open until destroy(), or
   * the process ends (a mount ends with process.exit).
   */
  openAhead(url: URL, count: number): void {
    if (count < 1 || this.closed) return;
    const endpoint = { host: url.hostname, port: Number(url.port) || 443 };
    const dialEarly = () =>
      this.closed ? Promise.resolve(undefined) : this.dial(endpoint).then(whenSecure, () => undefined);
    const queue = Array.from({ length: count }, () => once(dialEarly));
    const [first, ...rest] = queue;
    this.early.set(keyOf(endpoint), queue);
    void first.dial().then((socket) => {
      if (!socket) {
        queue.length = 0;
        return;
      }
      const dialRest = () => rest.forEach((connection) => void connection.dial());
      if (this.sessions.has(keyOf(endpoint))) return dialRest();
      socket.once("session", dialRest);
      socket.once("close", dialRest);
    });
  }

  /** Closes the connections in use, idle and opened ahead, and opens none after. */
  override destroy(): void {
    this.closed = true;
    super.destroy();
    for (const queue of this.early.values())
      for (const connection of queue.splice(0)) void connection.dialled()?.then((socket) => socket?.destroy());
  }

  private async dial(endpoint: Endpoint): Promise<TLSSocket> {
    const { host, port } = endpoint;
    const key = keyOf(endpoint);
    this.secureContext ??= createSecureContext();
    const options = {
      host,
      port,
      servername: isIP(host) ? undefined : host,
      session: this.sessions.get(key),
      secureContext: this.secureContext,
      rejectUnauthorized: true,
    };
    // noDelay (the tunnel sets it on its proxy socket): a resumed TLS 1.3 handshake ends
    // with the client's Finished, which the server has no answer to carry the ACK for, so
    // Nagle held the first request back until the server's delayed ACK (40 ms).
    const socket = this.proxy ? await tlsThroughProxy(this.proxy, options) : connectTls(options).setNoDelay(true);
    socket.on("session", (session: Buffer) => this.sessions.set(key, session));
    // As Node's https.Agent does: a connection that ends in an error takes its endpoint's session with it.
    socket.once("close", (hadError: boolean) => hadError && this.sessions.delete(key));
    return socket;
  }
}

/** One pool per route, made when a route is first used. */
export function tlsPools(): (proxy: ProxySetting | undefined) => TlsPool {
  const pools = new Map<string, TlsPool>();
  return (proxy) => {
    const key = proxy?.url.href ?? "";
    let pool = pools.get(key);
    if (!pool) pools.set(key, (pool = new TlsPool(proxy)));
    return pool;
  };
}
