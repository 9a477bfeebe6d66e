// Plumbing shared by every stand-in server: JSON answers, bodies, listening on a
// random port, and closing without leaving sockets that keep jest alive.
import { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from "node:http";
import { Socket, type Server as NetServer } from "node:net";

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** A plain-text error, as Go's http.Error writes it (aad-pod-identity's NMI does). */
export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" });
  res.end(`${text}\n`);
}

export async function readBody(req: IncomingMessage, limit = 1 << 20): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new Error("request body too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The request's host name, without port, lower case. */
export function hostOf(req: IncomingMessage): string {
  return (req.headers.host ?? "").replace(/:\d+$/, "").toLowerCase();
}

// A proxied request arrives on a TLS socket layered over the proxy's TCP socket;
// only the TCP socket can send a reset.
const tcpUnder = new WeakMap<Socket, Socket>();

export function layerSocket(outer: Socket, tcp: Socket): void {
  tcpUnder.set(outer, tcp);
}

/** Drops the connection with a TCP RST, as a crashed server or a middlebox would. */
export function resetConnection(socket: Socket): void {
  const tcp = tcpUnder.get(socket) ?? socket;
  try {
    tcp.resetAndDestroy();
  } catch {
    tcp.destroy();
  }
  socket.destroy();
}

/** Keeps every socket a server accepts, so close() can end idle keep-alive ones too. */
export class SocketTracker {
  private readonly sockets = new Set<Socket>();

  add(socket: Socket): void {
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
  }

  watch(server: Server): void {
    server.on("connection", (s: Socket) => this.add(s));
  }

  /** How many are open. */
  get size(): number {
    return this.sockets.size;
  }

  destroyAll(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }
}

export function listen(server: NetServer, host: string, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}

export function closeServer(server: NetServer): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}
