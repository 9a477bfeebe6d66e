// Node's https.Agent, its connections tunnelled through one proxy (proxyTunnel.ts):
// keep-alive, so a mount's requests to a host share their tunnels, as they share direct
// connections. Only Node's public Agent API: createConnection, given a callback.
import { Agent, type RequestOptions } from "node:https";
import type { Duplex } from "node:stream";
import { connect as connectTls } from "node:tls";
import { openTunnel } from "./proxyTunnel";

export class TunnelAgent extends Agent {
  constructor(private readonly proxy: URL) {
    super({ keepAlive: true });
  }

  override createConnection(
    options: RequestOptions,
    callback?: (error: Error | null, socket: Duplex) => void,
  ): undefined {
    const host = options.host ?? options.hostname ?? "";
    openTunnel(this.proxy, host, Number(options.port) || 443).then(
      // The options Node's Agent prepared (servername among them), over the tunnel; certificates always checked.
      (socket) => callback?.(null, connectTls({ ...(options as object), socket, rejectUnauthorized: true })),
      (error: Error) => callback?.(error, undefined as never),
    );
    return undefined;
  }
}
