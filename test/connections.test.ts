// The driver's connections to a vault (src/speed/tlsPool.ts, openAhead.ts) over
// real TLS and direct, as on a node without HTTPS_PROXY: opened while the mount's token
// request is out, the first one's TLS session resumed by the others, and early ones that
// died replaced by the requests. The path through a proxy is covered end to end
// (test/e2e/resilience.test.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { connect as connectTcp, createServer as createNetServer, type Server as NetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { TestCa } from "../standin/ca";
import { closeServer, listen, SocketTracker } from "../standin/http";
import { runPoolProbe } from "./support/poolProbe";

interface VaultTraffic {
  /** TCP connections accepted, TLS handshake or not. */
  accepted: number;
  /** In order of their handshakes. */
  connections: { resumed: boolean; at: number }[];
  requestsAt: number[];
}

let dir: string;
let ca: TestCa;
const servers: { server: Server | NetServer; sockets: SocketTracker }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kv-connections-"));
  ca = await TestCa.create(dir);
});

afterEach(async () => {
  for (const { server, sockets } of servers.splice(0)) {
    sockets.destroyAll();
    await closeServer(server);
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A TLS server for https://localhost:<port>. `dropIdle` closes each of the first `ahead`
 * connections (those opened before any request), `answerIdle` first answers them 408 as a
 * load balancer does; the requests' own connections are left alone however late they are used;
 * `certificateFor` serves a certificate for another host name; `stallFirst` accepts the
 * first TCP connection and never answers on it.
 */
async function startVault({
  dropIdle = false,
  answerIdle = false,
  ahead = 4,
  stallFirst = false,
  certificateFor = "localhost",
} = {}): Promise<{ url: string; traffic: VaultTraffic }> {
  const context = await ca.secureContextFor(certificateFor);
  const traffic: VaultTraffic = { accepted: 0, connections: [], requestsAt: [] };
  const server = createServer({ SNICallback: (_name, done) => done(null, context) }, (_req, res) => {
    traffic.requestsAt.push(performance.now());
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
  const sockets = new SocketTracker();
  servers.push({ server, sockets });
  server.on("connection", () => traffic.accepted++);
  server.on("secureConnection", (socket: TLSSocket) => {
    sockets.add(socket);
    traffic.connections.push({ resumed: socket.isSessionReused(), at: performance.now() });
    const openedAhead = traffic.connections.length <= ahead && traffic.requestsAt.length === 0;
    if (dropIdle && openedAhead) setTimeout(() => socket.destroy(), 20);
    if (answerIdle && openedAhead)
      setTimeout(
        () => socket.end("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"),
        20,
      );
  });
  const port = await listen(server, "127.0.0.1");
  return { url: `https://localhost:${stallFirst ? await stallingFront(port) : port}`, traffic };
}

/** A TCP front for `port` that holds its first connection without a word and passes the rest on. */
async function stallingFront(port: number): Promise<number> {
  let connections = 0;
  const sockets = new SocketTracker();
  const front = createNetServer((client) => {
    sockets.add(client);
    if (connections++ === 0) return;
    const upstream = connectTcp(port, "127.0.0.1");
    sockets.add(upstream);
    client.pipe(upstream).pipe(client);
  });
  servers.push({ server: front, sockets });
  return listen(front, "127.0.0.1");
}

const env = () => ({ NODE_EXTRA_CA_CERTS: ca.pemPath });

test("the connections are opened while the token is awaited, and resume the first one's TLS session", async () => {
  const { url, traffic } = await startVault();
  const statuses = await runPoolProbe(url, 8, 1_000, env());
  expect(statuses).toEqual(Array(8).fill(200));
  expect(traffic.connections.map((c) => c.resumed)).toEqual([false, ...Array(7).fill(true)]);
  const firstRequest = Math.min(...traffic.requestsAt);
  expect(traffic.connections.every((c) => c.at < firstRequest)).toBe(true);
});

test("early connections that died before any request are replaced by the requests", async () => {
  const { url, traffic } = await startVault({ dropIdle: true });
  const statuses = await runPoolProbe(url, 4, 1_000, env());
  expect(statuses).toEqual(Array(4).fill(200));
  // The 4 opened ahead, then one per request.
  expect(traffic.connections).toHaveLength(8);
});

test("a route whose first early connection fails opens no more ahead: each request fails on its own", async () => {
  const { url, traffic } = await startVault({ certificateFor: "not-this-host.example" });
  const outcomes = await runPoolProbe(url, 4, 500, env());
  expect(outcomes).toEqual(Array(4).fill("ERR_TLS_CERT_ALTNAME_INVALID"));
  // The one opened ahead, then one per request: none of the other three opened ahead in vain.
  expect(traffic.accepted).toBe(5);
  expect(traffic.connections).toHaveLength(0);
});

test("an early connection the server has written to while idle (a 408) is not handed to a request", async () => {
  const { url, traffic } = await startVault({ answerIdle: true });
  const statuses = await runPoolProbe(url, 4, 500, env());
  expect(statuses).toEqual(Array(4).fill(200));
  expect(traffic.requestsAt).toHaveLength(4);
});

test("a request does not wait for an early connection that never gets an answer: it dials its own", async () => {
  const { url } = await startVault({ stallFirst: true });
  // The probe has no deadline: without the fallback the first request would wait forever.
  const statuses = await runPoolProbe(url, 4, 200, env());
  expect(statuses).toEqual(Array(4).fill(200));
}, 15_000);
