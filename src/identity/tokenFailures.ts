// Token failures in words an operator can act on. The SDK's are written for developers
// ("add it to the AdditionallyAllowedTenants on the credential options") or name no host
// ("network_error: See https://aka.ms/msal.js.errors#network_error"): MSAL keeps no cause
// for a request that got no answer (msal-common's executePostToTokenEndpoint throws a new
// network_error and drops the error it caught), so the credential's HTTP client keeps it.
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import type { HttpClient } from "@azure/core-rest-pipeline";
import { IdentityError } from "../errors";
import { connectionProblemOf } from "../http/connectionProblems";

export interface TokenEndpoint {
  /** The tenant signed in to: the volume's tenantid, or a workload identity's from its service account. */
  tenantId: string;
  /** Azure AD of the volume's cloud, e.g. https://login.microsoftonline.com/ */
  authorityHost: string;
  /** Where tenantId came from and what to set, in words; default the volume's option tenantid. */
  tenantFrom?: { is: string; set: string };
}

const TENANT_OPTION = { is: "the volume's tenantid", set: "tenantid" };

/**
 * `error` from a service principal's getToken, explained if it is one an operator can fix;
 * `connectionProblem`: the words for the credential's last request that got no answer.
 */
export function explainTokenFailure(
  error: unknown,
  asked: GetTokenOptions | undefined,
  { tenantId, authorityHost, tenantFrom = TENANT_OPTION }: TokenEndpoint,
  connectionProblem?: string,
): unknown {
  if (!(error instanceof Error)) return error;
  // Key Vault's challenge names the vault's tenant; the SDK refuses any but the credential's.
  if (error.name === "CredentialUnavailableError" && asked?.tenantId && asked.tenantId !== tenantId) {
    return new IdentityError(
      `key vault belongs to tenant ${asked.tenantId}, but ${tenantFrom.is} ` +
        `is ${tenantId}; set ${tenantFrom.set} to ${asked.tenantId}`,
    );
  }
  if (/^network_error\b/.test(error.message)) {
    if (connectionProblem) return new IdentityError(connectionProblem);
    return new IdentityError(
      `cannot reach Azure AD at ${new URL(authorityHost).host} (network error after retries); check the node's ` +
        `DNS, egress firewall and HTTPS_PROXY`,
    );
  }
  return error;
}

export interface WatchedHttpClient {
  client: HttpClient;
  /** The words for the latest request that failed with no answer, if it had any. */
  lastConnectionProblem(): string | undefined;
}

export function watchConnectionProblems(inner: HttpClient): WatchedHttpClient {
  let last: string | undefined;
  return {
    client: {
      async sendRequest(request) {
        try {
          const response = await inner.sendRequest(request);
          last = undefined;
          return response;
        } catch (error) {
          last = connectionProblemOf(error);
          throw error;
        }
      },
    },
    lastConnectionProblem: () => last,
  };
}

/** `credential` asks through `watched.client`. */
export function explainingTokenFailures(
  credential: TokenCredential,
  endpoint: TokenEndpoint,
  watched: WatchedHttpClient,
): TokenCredential {
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      try {
        return await credential.getToken(scopes, options);
      } catch (error) {
        throw explainTokenFailure(error, options, endpoint, watched.lastConnectionProblem());
      }
    },
  };
}

/** `credential` (IMDS's) asks through `watched.client`; a failure after a request that got no answer is that one's. */
export function explainingConnectionProblems(credential: TokenCredential, watched: WatchedHttpClient): TokenCredential {
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      try {
        return await credential.getToken(scopes, options);
      } catch (error) {
        const problem = watched.lastConnectionProblem();
        throw problem ? new IdentityError(problem) : error;
      }
    },
  };
}
