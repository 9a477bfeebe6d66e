// The HTTP client of one mount: every https request goes through a TlsPool, one for
// direct connections and one per proxy the SDK's proxy policy picks (HTTPS_PROXY minus
// NO_PROXY). Plain http requests (IMDS) keep the SDK's own agent.
import type { HttpClient, PipelinePolicy, PipelineRequest } from "@azure/core-rest-pipeline";
import { HttpsProxyAgent } from "https-proxy-agent";
import { TlsPool } from "./tlsPool";

export interface PooledHttpClient extends HttpClient {
  /** Opens `count` connections for requests like `request` (same host, same route) before they are sent. */
  openAhead(request: PipelineRequest, count: number): void;
}

/**
 * The proxy of the agent the SDK's proxy policy set: https-proxy-agent's `proxy` URL. Known
 * by its shape, not `instanceof`, which fails if npm ever installs the SDK its own copy.
 */
function proxyOf(agent: unknown): string | undefined {
  const proxy = (agent as { proxy?: unknown } | undefined)?.proxy;
  return proxy instanceof URL ? proxy.href : undefined;
}

export function pooledHttpClient(inner: HttpClient): PooledHttpClient {
  const pools = new Map<string, TlsPool>();
  function poolFor(request: PipelineRequest): TlsPool | undefined {
    if (!request.url.startsWith("https:")) return undefined;
    // A retry: the proxy policy ran once per call, and this request already has its pool.
    if (request.agent instanceof TlsPool) return request.agent;
    // The SDK's proxy agent opens a tunnel per request and never reuses it: only its proxy is kept.
    const proxy = request.agent ? proxyOf(request.agent) : "";
    // Some other agent: not the driver's to replace.
    if (proxy === undefined) return undefined;
    let pool = pools.get(proxy);
    // noDelay: see TlsPool (it sets the same on direct connections).
    if (!pool) pools.set(proxy, (pool = new TlsPool(proxy ? new HttpsProxyAgent(proxy, { keepAlive: true, noDelay: true }) : undefined)));
    return pool;
  }
  return {
    sendRequest(request) {
      const pool = poolFor(request);
      if (pool) request.agent = pool;
      return inner.sendRequest(request);
    },
    openAhead(request, count) {
      poolFor(request)?.openAhead(new URL(request.url), count);
    },
  };
}

/**
 * Opens the mount's connections to the vault when its first request is on its way: it
 * then waits for the token (tokenUpFront.ts) while they are set up. Placed after the
 * SDK's proxy policy, so the request already names its route. Deferred to the next turn
 * of the event loop, so the token request, already being built, leaves first: it is on
 * the mount's critical path, the connections are not.
 */
export function openAheadPolicy(client: PooledHttpClient, connections: number): PipelinePolicy {
  let opened = false;
  return {
    name: "openConnectionsAhead",
    sendRequest(request, next) {
      if (!opened) {
        opened = true;
        setImmediate(() => client.openAhead(request, connections));
      }
      return next(request);
    },
  };
}
