// Azure reached directly, as from a node without HTTPS_PROXY: a TLS server on port 443 of
// a loopback address that terminates TLS for the Azure hosts (chosen by SNI) with
// certificates from the test CA, and hands the connections to the same in-process Azure
// the proxy hands its tunnels to. The driver finds it through /etc/hosts (hostsWrapper).
import type { Server as HttpServer } from "node:http";
import { createServer, type TLSSocket } from "node:tls";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CertificateKind, TestCa } from "./ca";
import type { SocketTracker } from "./http";
import type { Traffic } from "./traffic";

export interface DirectTlsOptions {
  ca: TestCa;
  isAzureHost(host: string): boolean;
  certificateOf(host: string): CertificateKind;
  inner: HttpServer;
  traffic: Traffic;
  sockets: SocketTracker;
  /** A loopback address, e.g. 127.0.0.2: port 443 there is less likely taken than on 127.0.0.1. */
  address: string;
}

export async function startDirectTls(o: DirectTlsOptions): Promise<{ close(): Promise<void> }> {
  const server = createServer({
    SNICallback: (name, done) => {
      const host = name.toLowerCase();
      if (!o.isAzureHost(host)) return done(new Error(`no stand-in for ${host}`));
      o.ca.secureContextFor(host, o.certificateOf(host)).then((context) => done(null, context), done);
    },
    ALPNProtocols: ["http/1.1"],
  });
  server.on("secureConnection", (socket: TLSSocket) => {
    o.traffic.recordTlsSession(
      String((socket as TLSSocket & { servername?: string }).servername ?? ""),
      socket.isSessionReused(),
    );
    o.sockets.add(socket);
    o.inner.emit("connection", socket);
  });
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(443, o.address, () => resolve());
  });
  return { close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * The command prefix that runs a driver with `hosts` resolving to `address`: /etc/hosts
 * bind-mounted over in a mount namespace of the driver's own. A tmpfs the driver mounts
 * lives and ends in that namespace too.
 */
export function hostsWrapper(dir: string, address: string, hosts: readonly string[]): string[] {
  const file = join(dir, "hosts");
  writeFileSync(file, `127.0.0.1 localhost\n${address} ${hosts.join(" ")}\n`);
  return ["unshare", "--mount", "--", "sh", "-c", 'mount --bind "$0" /etc/hosts && exec "$@"', file];
}
