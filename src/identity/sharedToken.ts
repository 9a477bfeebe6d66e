// One token per mount: the secret, key and certificate clients each run their own
// challenge flow, and without this each would ask the identity source again.
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import { IdentityError } from "../errors";

/**
 * A token with less life left than this is asked for again. The SDK renews its own tokens
 * as early; NMI and IMDS may hand out a cached token close to its end.
 */
const RENEW_BEFORE_EXPIRY_MS = 2 * 60_000;
/** While the source keeps answering with such a token, it is asked at most this often... */
const RENEW_INTERVAL_MS = 30_000;
/** ...until the token has less than this left, too little for a request to use it. */
const EXPIRED_WITHIN_MS = 5_000;

export const isFresh = (token: AccessToken): boolean => token.expiresOnTimestamp - Date.now() > RENEW_BEFORE_EXPIRY_MS;

interface Entry {
  promise: Promise<AccessToken>;
  askedAt: number;
  token?: AccessToken;
}

/** Pending, fresh, or near its end but asked for only just now: no need to ask again. */
function stillGood({ token, askedAt }: Entry): boolean {
  if (!token || isFresh(token)) return true;
  const now = Date.now();
  return token.expiresOnTimestamp - now > EXPIRED_WITHIN_MS && now - askedAt < RENEW_INTERVAL_MS;
}

export interface SharedToken extends TokenCredential {
  /** Whether a token has been asked for and none has come yet. */
  awaitingToken(): boolean;
}

export function shareToken(credential: TokenCredential): SharedToken {
  const entries = new Map<string, Entry>();
  let asked = false;
  let hasToken = false;
  return {
    awaitingToken: () => asked && !hasToken,
    getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
      const key = `${[scopes].flat().join(" ")}|${options?.tenantId ?? ""}|${options?.claims ?? ""}`;
      const cached = entries.get(key);
      // A token that has run out mid-mount would fail every later request.
      if (cached && stillGood(cached)) return cached.promise;
      asked = true;
      const entry: Entry = {
        askedAt: Date.now(),
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
