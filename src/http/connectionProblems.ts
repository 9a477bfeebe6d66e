// A request that failed before any answer came, in words an operator can act on: a
// certificate that does not verify (which host, Node's reason, the fix) or a proxy that
// refused. The HTTP client (routedHttpClient.ts) attaches them to the error, so they reach
// the answer however many layers of the SDK and MSAL the error passes (MSAL drops the
// cause of a failed token request: identity/tokenFailures.ts keeps it from the client).
import { certificateProblem, isCertificateFailure } from "./certificateProblems";
import { PROXY_ERROR_CODE, PROXY_UNREACHABLE } from "./proxyTunnel";

interface FailedRequest {
  code?: string;
  message?: string;
  connectionProblem?: string;
}

/**
 * What to tell an operator about `error`, a request to `host` (through `proxy`, a label)
 * that failed; undefined when the SDK's own words are as good.
 */
export function describeConnectionProblem(error: unknown, host: string, proxy: string | undefined): string | undefined {
  const { code, message = "" } = (error ?? {}) as FailedRequest;
  if (code === PROXY_ERROR_CODE || message.startsWith(PROXY_UNREACHABLE)) return message;
  if (!isCertificateFailure(code)) return undefined;
  const whose = `the TLS certificate presented for ${host}${proxy ? ` (through the proxy ${proxy})` : ""}`;
  return certificateProblem(code as string, message, whose, host);
}

/** The words routedHttpClient.ts attached to a failed request's error, if any. */
export function connectionProblemOf(error: unknown): string | undefined {
  const problem = (error as FailedRequest | undefined)?.connectionProblem;
  return typeof problem === "string" ? problem : undefined;
}

export function withConnectionProblem<T extends object>(error: T, problem: string): T {
  return Object.assign(error, { connectionProblem: problem });
}
