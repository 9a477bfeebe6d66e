// Token failures in words an operator can act on. The SDK's are written for developers
// ("add it to the AdditionallyAllowedTenants on the credential options") or name no host
// ("network_error: See https://aka.ms/msal.js.errors#network_error").
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import { IdentityError } from "../errors";

export interface TokenEndpoint {
  /** The volume's tenantid. */
  tenantId: string;
  /** Azure AD of the volume's cloud, e.g. https://login.microsoftonline.com/ */
  authorityHost: string;
}

/** `error` from a service principal's getToken, explained if it is one an operator can fix. */
export function explainTokenFailure(error: unknown, asked: GetTokenOptions | undefined, { tenantId, authorityHost }: TokenEndpoint): unknown {
  if (!(error instanceof Error)) return error;
  // Key Vault's challenge names the vault's tenant; the SDK refuses any but the credential's.
  if (error.name === "CredentialUnavailableError" && asked?.tenantId && asked.tenantId !== tenantId) {
    return new IdentityError(`key vault belongs to tenant ${asked.tenantId}, but the volume's tenantid is ${tenantId}; set tenantid to ${asked.tenantId}`);
  }
  if (/^network_error\b/.test(error.message)) {
    return new IdentityError(`cannot reach Azure AD at ${new URL(authorityHost).host} (network error after retries); check the node's DNS, egress firewall and HTTPS_PROXY`);
  }
  return error;
}

export function explainingTokenFailures(credential: TokenCredential, endpoint: TokenEndpoint): TokenCredential {
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      try {
        return await credential.getToken(scopes, options);
      } catch (error) {
        throw explainTokenFailure(error, options, endpoint);
      }
    },
  };
}
