// Plain http through a proxy (IMDS behind HTTP_PROXY): no tunnel, the whole request goes
// to the proxy, as Go's net/http sends it. The SDK's proxy policy (http-proxy-agent) sends
// it; the driver gives the credentials (decoded once, proxyRules.ts) and reads what comes
// back. The only connection is the proxy's, so a failed one is the proxy's; and an answer
// the proxy made itself is its refusal, not the host's answer: 407 (its login), 502 and
// 504 (a gateway's), and a 403 that is no JSON (IMDS and NMI answer JSON).
import { proxyPolicy, type PipelineRequest, type PipelineResponse, type SendRequest } from "@azure/core-rest-pipeline";
import { STATUS_CODES } from "node:http";
import { isCertificateFailure } from "./certificateProblems";
import { unbracketed } from "./ipAddress";
import type { ProxySetting } from "./proxyRules";
import { authorityOf, proxyConnectionFailure, proxyRefusal } from "./proxyTunnel";

/** What a connection that never got to the proxy fails with (a certificate failure aside). */
const CONNECT_FAILURES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
]);

const isConnectionFailure = (error: unknown): error is NodeJS.ErrnoException => {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" && (CONNECT_FAILURES.has(code) || isCertificateFailure(code));
};

function isProxysOwnAnswer(response: PipelineResponse): boolean {
  const { status } = response;
  if (status === 407 || status === 502 || status === 504) return true;
  return status === 403 && !/\bjson\b/i.test(response.headers.get("content-type") ?? "");
}

export type PlainProxySender = (request: PipelineRequest, send: SendRequest) => Promise<PipelineResponse>;

export function plainProxySender(proxy: ProxySetting): PlainProxySender {
  const { url } = proxy;
  const policy = proxyPolicy(
    { host: `${url.protocol}//${url.hostname}`, port: Number(url.port) || (url.protocol === "https:" ? 443 : 80) },
    { customNoProxyList: [] },
  );
  return async (request, send) => {
    if (proxy.authorization) request.headers.set("Proxy-Authorization", proxy.authorization);
    let response: PipelineResponse;
    try {
      response = await policy.sendRequest(request, send);
    } catch (error) {
      throw isConnectionFailure(error) ? proxyConnectionFailure(proxy, error) : error;
    }
    if (!isProxysOwnAnswer(response)) return response;
    const target = new URL(request.url);
    const authority = authorityOf(unbracketed(target.hostname), Number(target.port) || 80);
    const said = `HTTP ${response.status} ${STATUS_CODES[response.status] ?? ""}`.trim();
    throw proxyRefusal(proxy, `forward the request to ${authority}`, said, response.status);
  };
}
