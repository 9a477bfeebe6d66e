// A mount's connection handling in a process of its own (Node reads NODE_EXTRA_CA_CERTS
// when it starts): the driver's HTTP client with the speed door's TLS pools behind the
// SDK's default pipeline, where the first request opens `count` connections ahead and
// every request then waits `waitMs` (the mount's token request) before it is sent.
//   node --import tsx test/support/poolProbe.ts <url> <count> <waitMs>
// Prints one JSON line: the HTTP status of each request, or the code of its error.
import { setTimeout as sleep } from "node:timers/promises";
import { runChildProbe } from "./childProbe";

export function runPoolProbe(
  url: string,
  count: number,
  waitMs: number,
  env: Record<string, string>,
): Promise<(number | string)[]> {
  return runChildProbe<(number | string)[]>("poolProbe.ts", [url, String(count), String(waitMs)], env);
}

async function probe(url: string, count: number, waitMs: number): Promise<(number | string)[]> {
  const { createPipelineFromOptions, createPipelineRequest } = await import("@azure/core-rest-pipeline");
  const { networkEnvironment } = await import("../../src/http/networkEnvironment");
  const { routedHttpClient } = await import("../../src/http/routedHttpClient");
  const { openAheadPolicy } = await import("../../src/speed/openAhead");
  const { tlsPools } = await import("../../src/speed/tlsPool");
  const client = routedHttpClient(networkEnvironment().proxies, tlsPools());
  const pipeline = createPipelineFromOptions({ retryOptions: { maxRetries: 0 } });
  const tokenRequest = sleep(waitMs);
  pipeline.addPolicy(openAheadPolicy(client.httpsAgentFor, count));
  pipeline.addPolicy({ name: "token", sendRequest: async (request, next) => (await tokenRequest, next(request)) });
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      pipeline.sendRequest(client, createPipelineRequest({ url: `${url}/object-${i}` })).then(
        (response) => response.status,
        (error: { code?: string; name?: string }) => error.code ?? error.name ?? "error",
      ),
    ),
  );
}

if (require.main === module) {
  const [url, count, waitMs] = process.argv.slice(2);
  probe(url, Number(count), Number(waitMs)).then(
    // Exits as the driver does: connections opened ahead and never used stay open until then.
    (statuses) => process.stdout.write(JSON.stringify(statuses) + "\n", () => process.exit(0)),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
