// One token per mount: the secret, key and certificate clients each run their own
// challenge flow, and without this each would ask the identity source again.
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import { IdentityError } from "../errors";

/**
 * A token with less life left than this is asked for again. The SDK renews its own tokens
 * as early; NMI and IMDS may hand out a cached token close to its end.
 */
const RENEW_BEFORE_EXPIRY_MS = 2 * 60_000;

export const isFresh = (token: AccessToken): boolean => token.expiresOnTimestamp - Date.now() > RENEW_BEFORE_EXPIRY_MS;

interface Entry {
  promise: Promise<AccessToken>;
  token?: AccessToken;
}

export interface SharedToken extends TokenCredential {
  /** Whether the identity source has handed out a token yet. */
  readonly hasToken: boolean;
}

export function shareToken(credential: TokenCredential): SharedToken {
  const entries = new Map<string, Entry>();
  let hasToken = false;
  return {
    get hasToken() {
      return hasToken;
    },
    getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
      const key = `${[scopes].flat().join(" ")}|${options?.tenantId ?? ""}|${options?.claims ?? ""}`;
      const cached = entries.get(key);
      // Pending, or still fresh: a token that has run out mid-mount would fail every later request.
      if (cached && (!cached.token || isFresh(cached.token))) return cached.promise;
      const entry: Entry = {
        promise: credential.getToken(scopes, options).then((found) => {
          if (!found) throw new IdentityError("the identity source returned no token");
          entry.token = found;
          hasToken = true;
          return found;
        }),
      };
      // A failed attempt must not be remembered: the SDK's retries ask again.
      entry.promise.catch(() => {
        if (entries.get(key) === entry) entries.delete(key);
      });
      entries.set(key, entry);
      return entry.promise;
    },
  };
}
