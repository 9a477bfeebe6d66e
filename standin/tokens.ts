// Access tokens: opaque random strings that remember whom they were issued to.
// Nothing in the SDK looks inside an access token, so they need not be JWTs; Key
// Vault looks them up here to decide 401 / 403 / 200.
import { randomBytes } from "node:crypto";
import type { Principal } from "./identities";

export interface TokenGrant extends Principal {
  /** The resource the token is for, e.g. https://vault.azure.net */
  audience: string;
  /** Expiry, seconds since the epoch. */
  expiresOn: number;
}

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
  expiresOn: number;
}

export class TokenIssuer {
  private readonly grants = new Map<string, TokenGrant>();

  constructor(private readonly lifetimeSeconds = 3599) {}

  issue(principal: Principal, audience: string): IssuedToken {
    const accessToken = `standin.${randomBytes(24).toString("base64url")}`;
    const expiresOn = Math.floor(Date.now() / 1000) + this.lifetimeSeconds;
    this.grants.set(accessToken, {
      clientId: principal.clientId,
      objectId: principal.objectId,
      tenantId: principal.tenantId,
      audience,
      expiresOn,
    });
    return { accessToken, expiresIn: this.lifetimeSeconds, expiresOn };
  }

  /** The grant behind a token, if the token was issued here and has not expired. */
  verify(accessToken: string): TokenGrant | undefined {
    const grant = this.grants.get(accessToken);
    if (!grant || grant.expiresOn * 1000 <= Date.now()) return undefined;
    return grant;
  }

  /** Makes every token issued so far invalid (a test of token refresh). */
  revokeAll(): void {
    this.grants.clear();
  }
}
