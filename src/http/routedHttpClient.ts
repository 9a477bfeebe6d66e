// The HTTP client of every Azure call of a mount (Key Vault, Azure AD, IMDS): each request
// takes the route proxyRules.ts decides for its URL, the rules Go programs on the node
// follow, and nothing else applies a proxy (networkEnvironment.ts removed the variables
// the SDK's proxy policy would read). A request that fails before an answer carries
// words an operator can act on (connectionProblems.ts).
import { createDefaultHttpClient, proxyPolicy, type HttpClient, type PipelinePolicy } from "@azure/core-rest-pipeline";
import type { Agent } from "node:http";
import { describeConnectionProblem, withConnectionProblem } from "./connectionProblems";
import type { ProxyRules } from "./proxyRules";
import { ProxyError, proxyLabel } from "./proxyTunnel";
import { TunnelAgent } from "./tunnelAgent";

/**
 * The agent for https requests on a route (a proxy, or undefined: direct); undefined: the SDK's own keep-alive agent.
 */
export type HttpsAgents = (proxy: URL | undefined) => Agent | undefined;

export interface RoutedHttpClient extends HttpClient {
  /** The agent https requests to `url` go through (undefined: the SDK's own). */
  httpsAgentFor: (url: URL) => Agent | undefined;
}

/** Direct: the SDK's agent. Through a proxy: one keep-alive TunnelAgent per proxy. */
export function plainHttpsAgents(): HttpsAgents {
  const tunnels = new Map<string, TunnelAgent>();
  return (proxy) => {
    if (!proxy) return undefined;
    let agent = tunnels.get(proxy.href);
    if (!agent) tunnels.set(proxy.href, (agent = new TunnelAgent(proxy)));
    return agent;
  };
}

/** Plain http through a proxy (IMDS behind HTTP_PROXY) is not a tunnel: the SDK's policy sends it, given the proxy. */
function httpProxyPolicy(proxy: URL): PipelinePolicy {
  const settings = {
    host: `${proxy.protocol}//${proxy.hostname}`,
    port: Number(proxy.port) || (proxy.protocol === "https:" ? 443 : 80),
    username: decodeURIComponent(proxy.username) || undefined,
    password: decodeURIComponent(proxy.password) || undefined,
  };
  return proxyPolicy(settings, { customNoProxyList: [] });
}

function unsupportedProxy(url: URL, proxy: URL): ProxyError {
  const variable = url.protocol === "https:" ? "HTTPS_PROXY" : "HTTP_PROXY";
  return new ProxyError(
    `${variable} names a ${proxy.protocol.replace(/:$/, "")} proxy (${proxyLabel(proxy)}); the driver goes ` +
      `through http:// and https:// proxies only`,
  );
}

export function routedHttpClient(proxies: ProxyRules, httpsAgents: HttpsAgents = plainHttpsAgents()): RoutedHttpClient {
  const inner = createDefaultHttpClient();
  const httpProxies = new Map<string, PipelinePolicy>();
  const send: HttpClient["sendRequest"] = (request) => inner.sendRequest(request);
  return {
    async sendRequest(request) {
      const url = new URL(request.url);
      const proxy = proxies.proxyFor(url);
      try {
        if (proxy && proxy.protocol !== "http:" && proxy.protocol !== "https:") throw unsupportedProxy(url, proxy);
        if (url.protocol === "https:") {
          request.agent = httpsAgents(proxy);
          return await send(request);
        }
        if (!proxy) return await send(request);
        let policy = httpProxies.get(proxy.href);
        if (!policy) httpProxies.set(proxy.href, (policy = httpProxyPolicy(proxy)));
        return await policy.sendRequest(request, send);
      } catch (error) {
        const problem = describeConnectionProblem(error, url.hostname, proxy && proxyLabel(proxy));
        throw problem && error instanceof Object ? withConnectionProblem(error, problem) : error;
      }
    },
    httpsAgentFor(url) {
      return httpsAgents(proxies.proxyFor(url));
    },
  };
}
