// The HTTP client of every Azure call of a mount (Key Vault, Azure AD, IMDS): each request
// takes the route proxyRules.ts decides for its URL, the rules Go programs on the node
// follow, and nothing else applies a proxy (networkEnvironment.ts removed the variables
// the SDK's proxy policy would read). A request that fails before an answer carries
// words an operator can act on (connectionProblems.ts).
import { createDefaultHttpClient, proxyPolicy, type HttpClient, type PipelinePolicy } from "@azure/core-rest-pipeline";
import { Agent as HttpAgent, type Agent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { describeConnectionProblem, withConnectionProblem } from "./connectionProblems";
import type { ProxyRules } from "./proxyRules";
import { ProxyError, proxyLabel } from "./proxyTunnel";
import { TunnelAgent } from "./tunnelAgent";

/**
 * The agent for https requests on a route (a proxy, or undefined: direct); undefined: the SDK's own keep-alive agent.
 */
export type HttpsAgents = (proxy: URL | undefined) => Agent | undefined;

export interface RoutedHttpClient extends HttpClient {
  /** The agent https requests to `url` go through. */
  httpsAgentFor: (url: URL) => Agent | undefined;
  /**
   * Closes every connection the client's agents hold, idle or in use. A call of the driver
   * ends with process.exit; the long-running refresher closes each session's after its group.
   */
  close(): void;
}

/** Direct: a keep-alive https.Agent, as the SDK's own. Through a proxy: one keep-alive TunnelAgent per proxy. */
export function plainHttpsAgents(): HttpsAgents {
  const agents = new Map<string, Agent>();
  return (proxy) => {
    const key = proxy?.href ?? "";
    let agent = agents.get(key);
    if (!agent) agents.set(key, (agent = proxy ? new TunnelAgent(proxy) : new HttpsAgent({ keepAlive: true })));
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
  // Every agent a request went through, so that close() reaches each connection (not the SDK's agents).
  const used = new Set<Agent>();
  const use = <A extends Agent | undefined>(agent: A): A => (agent && used.add(agent), agent);
  let plainHttp: HttpAgent | undefined;
  const send: HttpClient["sendRequest"] = (request) => inner.sendRequest(request);
  return {
    async sendRequest(request) {
      const url = new URL(request.url);
      const proxy = proxies.proxyFor(url);
      try {
        if (proxy && proxy.protocol !== "http:" && proxy.protocol !== "https:") throw unsupportedProxy(url, proxy);
        if (url.protocol === "https:") {
          request.agent = use(httpsAgents(proxy));
          return await send(request);
        }
        if (!proxy) {
          // IMDS: keep-alive as the SDK's own agent would be.
          request.agent = use((plainHttp ??= new HttpAgent({ keepAlive: true })));
          return await send(request);
        }
        let policy = httpProxies.get(proxy.href);
        if (!policy) httpProxies.set(proxy.href, (policy = httpProxyPolicy(proxy)));
        return await policy.sendRequest(request, send);
      } catch (error) {
        const problem = describeConnectionProblem(error, url.hostname, proxy && proxyLabel(proxy));
        throw problem && error instanceof Object ? withConnectionProblem(error, problem) : error;
      }
    },
    httpsAgentFor(url) {
      return use(httpsAgents(proxies.proxyFor(url)));
    },
    close() {
      for (const agent of used) agent.destroy();
      used.clear();
    },
  };
}
