// With HTTPS_PROXY set, the SDK's proxy policy gives requests an HttpsProxyAgent without
// keep-alive, so every request opens its own CONNECT tunnel and TLS session (117 of each
// for a 100-object mount). Without a proxy the SDK's agent keeps connections alive; this
// gives proxied requests the same: one keep-alive agent per proxy, tunnels reused.
import type { HttpClient, PipelineRequest } from "@azure/core-rest-pipeline";
import { HttpsProxyAgent } from "https-proxy-agent";

class KeepAliveHttpsProxyAgent extends HttpsProxyAgent<string> {
  constructor(proxy: string) {
    super(proxy, { keepAlive: true });
  }

  /**
   * The SDK's requests carry no `protocol` option, so agent-base guesses https from the
   * call stack: right when a socket is created, wrong when it is freed (no https frame
   * then), and freed tunnels were pooled under a name no request asks for. Only https
   * requests are ever given this agent.
   */
  override isSecureEndpoint(): boolean {
    return true;
  }
}

export function keepAliveThroughProxy(inner: HttpClient): HttpClient {
  const agents = new Map<string, KeepAliveHttpsProxyAgent>();
  return {
    sendRequest(request: PipelineRequest) {
      // The proxy policy sets it for https requests whose host is not in NO_PROXY.
      if (request.agent instanceof HttpsProxyAgent) {
        const proxy = request.agent.proxy.href;
        let agent = agents.get(proxy);
        if (!agent) agents.set(proxy, (agent = new KeepAliveHttpsProxyAgent(proxy)));
        request.agent = agent;
      }
      return inner.sendRequest(request);
    },
  };
}
