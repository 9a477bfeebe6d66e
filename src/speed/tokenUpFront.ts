// Each Key Vault client of the SDK starts with an unauthenticated request, only to learn
// from the 401 challenge which authority and resource to ask a token for; requests sent
// while that first answer is out go unauthenticated too (the whole first batch of the
// fetch pool). A mount already knows both from its cloud and tenantid, so this policy
// puts the token on the first request and saves that round trip. A token the vault
// refuses still gets its 401 challenge, which the SDK's policy then handles as before.
import type { GetTokenOptions, TokenCredential } from "@azure/core-auth";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { isFresh } from "../identity/sharedToken";

interface TokenUpFront {
  /** The vault's resource, e.g. `https://vault.azure.net` (the scope is `<resource>/.default`). */
  resource: string;
  /** Absent: the credential's own (a workload identity's may come from its service account). */
  tenantId?: string;
}

/**
 * The SDK sends a token only to a vault whose host lies under the challenge's resource
 * (`*.vault.azure.net` for `https://vault.azure.net`); the same rule applies here.
 */
export function mayAuthorizeUpFront(vaultUrl: string, resource: string): boolean {
  return new URL(vaultUrl).hostname.endsWith(`.${new URL(resource).hostname}`);
}

/**
 * Asks for the token at once, so its round trip overlaps loading and building the Key
 * Vault clients, and every request of the mount waits for that one answer. A failure is
 * the same for every request (fetchObjects reports it once) and is not asked again.
 */
export function tokenUpFrontPolicy(credential: TokenCredential, { resource, tenantId }: TokenUpFront): PipelinePolicy {
  // The options the SDK's challenge policy asks with, so a challenge finds this token in identity/sharedToken.ts.
  const options: GetTokenOptions = { enableCae: true, tenantId };
  const token = credential.getToken(`${resource}/.default`, options);
  // Requests await it; until one does, a failure must not count as an unhandled rejection (cli.ts answers those).
  token.catch(() => undefined);
  return {
    name: "tokenUpFront",
    async sendRequest(request, next) {
      // The SDK's challenge policy sets its own header once a challenge came; keep it. A token
      // near its end goes without: the vault's challenge then gets a new one (sharedToken.ts).
      if (!request.headers.has("authorization")) {
        const found = await token;
        if (found && isFresh(found)) request.headers.set("authorization", `Bearer ${found.token}`);
      }
      return next(request);
    },
  };
}
