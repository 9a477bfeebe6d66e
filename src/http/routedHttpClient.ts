// The HTTP client of every Azure call of a mount (Key Vault, Azure AD, IMDS): each request
// takes the route proxyRules.ts decides for its URL, the rules Go programs on the node
// follow, and nothing else applies a proxy (networkEnvironment.ts removed the variables
// the SDK's proxy policy would read). A request that fails before an answer carries
// words an operator can act on (connectionProblems.ts).
import { createDefaultHttpClient, type HttpClient } from "@azure/core-rest-pipeline";
import { Agent as HttpAgent, type Agent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { describeConnectionProblem, withConnectionProblem } from "./connectionProblems";
import { plainProxySender, type PlainProxySender } from "./plainProxy";
import type { ProxySetting, ProxyRules } from "./proxyRules";
import { ProxyError } from "./proxyTunnel";
import { TunnelAgent } from "./tunnelAgent";

/**
 * The agent for https requests on a route (a proxy, or undefined: direct); undefined: the SDK's own keep-alive agent.
 */
export type HttpsAgents = (proxy: ProxySetting | undefined) => Agent | undefined;

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
function plainHttpsAgents(): HttpsAgents {
  const agents = new Map<ProxySetting | undefined, Agent>();
  return (proxy) => {
    let agent = agents.get(proxy);
    if (!agent) agents.set(proxy, (agent = proxy ? new TunnelAgent(proxy) : new HttpsAgent({ keepAlive: true })));
    return agent;
  };
}

export function routedHttpClient(proxies: ProxyRules, httpsAgents: HttpsAgents = plainHttpsAgents()): RoutedHttpClient {
  const inner = createDefaultHttpClient();
  const plainProxies = new Map<ProxySetting, PlainProxySender>();
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
        if (proxy?.problem) throw new ProxyError(proxy.problem);
        if (url.protocol === "https:") {
          request.agent = use(httpsAgents(proxy));
          return await send(request);
        }
        if (!proxy) {
          // IMDS: keep-alive as the SDK's own agent would be.
          request.agent = use((plainHttp ??= new HttpAgent({ keepAlive: true })));
          return await send(request);
        }
        let sender = plainProxies.get(proxy);
        if (!sender) plainProxies.set(proxy, (sender = plainProxySender(proxy)));
        return await sender(request, send);
      } catch (error) {
        const problem = describeConnectionProblem(error, url.hostname, proxy?.label);
        throw problem && error instanceof Object ? withConnectionProblem(error, problem) : error;
      }
    },
    httpsAgentFor(url) {
      const proxy = proxies.proxyFor(url);
      // A proxy that cannot be used gets no connections opened ahead: its requests fail by name.
      return proxy?.problem ? undefined : use(httpsAgents(proxy));
    },
    close() {
      for (const agent of used) agent.destroy();
      used.clear();
    },
  };
}
