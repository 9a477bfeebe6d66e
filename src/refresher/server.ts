// The refresher's HTTP endpoint: /metrics for Prometheus, /healthz for the kubelet's liveness
// probe. Nothing else, and nothing that holds a secret.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { log, messageOf } from "../log";
import type { ListenAddress } from "./listenAddress";

export interface Endpoints {
  metrics(): Promise<{ contentType: string; text: string }>;
  /** Undefined when healthy, else why not. */
  unhealthy(): string | undefined;
}

export function serve({ host, port }: ListenAddress, endpoints: Endpoints): Promise<Server> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://refresher").pathname;
    const answer = (status: number, contentType: string, text: string) =>
      response.writeHead(status, { "content-type": contentType }).end(text);
    if (request.method !== "GET" && request.method !== "HEAD") return answer(405, "text/plain", "only GET\n");
    if (path === "/healthz") {
      const problem = endpoints.unhealthy();
      return problem ? answer(503, "text/plain", `${problem}\n`) : answer(200, "text/plain", "ok\n");
    }
    if (path === "/metrics") {
      return void endpoints.metrics().then(
        ({ contentType, text }) => answer(200, contentType, text),
        (error: unknown) => answer(500, "text/plain", `${messageOf(error)}\n`),
      );
    }
    answer(404, "text/plain", "/metrics or /healthz\n");
  });
  return new Promise((listening, fail) => {
    server.once("error", fail);
    server.listen({ host, port }, () => {
      const address = server.address() as AddressInfo;
      log.info("listening", { address: address.address, port: address.port, endpoints: ["/metrics", "/healthz"] });
      listening(server);
    });
  });
}
