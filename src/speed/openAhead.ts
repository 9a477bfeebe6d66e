// Opens the mount's connections to the vault when its first request is on its way: it then
// waits for the token (tokenUpFront.ts) while they are set up.
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import type { Agent } from "node:http";
import { TlsPool } from "./tlsPool";

/**
 * `agentFor`: the agent a request to a URL goes through (the mount's HTTP client knows its
 * route). Deferred to the next turn of the event loop, so the token request, already being
 * built, leaves first: it is on the mount's critical path, the connections are not.
 */
export function openAheadPolicy(agentFor: (url: URL) => Agent | undefined, connections: number): PipelinePolicy {
  let opened = false;
  return {
    name: "openConnectionsAhead",
    sendRequest(request, next) {
      if (!opened) {
        opened = true;
        const url = new URL(request.url);
        const agent = agentFor(url);
        if (agent instanceof TlsPool) setImmediate(() => agent.openAhead(url, connections));
      }
      return next(request);
    },
  };
}
