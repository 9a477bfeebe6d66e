// Node's https.Agent, its connections tunnelled through one proxy (proxyTunnel.ts):
// keep-alive, so a mount's requests to a host share their tunnels, as they share direct
// connections. Only Node's public Agent API: createConnection, given a callback.
import { Agent, type RequestOptions } from "node:https";
import type { Duplex } from "node:stream";
import type { ConnectionOptions } from "node:tls";
import type { ProxySetting } from "./proxyRules";
import { tlsThroughProxy } from "./proxyTunnel";

export class TunnelAgent extends Agent {
  constructor(private readonly proxy: ProxySetting) {
    super({ keepAlive: true });
  }

  override createConnection(
    options: RequestOptions,
    callback?: (error: Error | null, socket: Duplex) => void,
  ): undefined {
    const host = options.host ?? options.hostname ?? "";
    // The options Node's Agent prepared (servername among them), over the tunnel.
    tlsThroughProxy(this.proxy, { ...(options as ConnectionOptions), host, port: Number(options.port) || 443 }).then(
      (socket) => callback?.(null, socket),
      (error: Error) => callback?.(error, undefined as never),
    );
    return undefined;
  }
}
