// One token per mount: the secret, key and certificate clients each run their own
// challenge flow, and without this each would ask the identity source again.
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import { IdentityError } from "../errors";

export function shareToken(credential: TokenCredential): TokenCredential {
  const tokens = new Map<string, Promise<AccessToken>>();
  return {
    getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
      const key = `${[scopes].flat().join(" ")}|${options?.tenantId ?? ""}|${options?.claims ?? ""}`;
      let token = tokens.get(key);
      if (!token) {
        token = credential.getToken(scopes, options).then((found) => {
          if (!found) throw new IdentityError("the identity source returned no token");
          return found;
        });
        // A failed attempt must not be remembered: the SDK's retries ask again.
        token.catch(() => tokens.delete(key));
        tokens.set(key, token);
      }
      return token;
    },
  };
}
