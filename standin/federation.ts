// Azure AD's workload identity federation: managed identities or applications with federated
// credentials (issuer, subject, audiences), and the client_credentials grant with a jwt-bearer
// client assertion, which signs one in only when the assertion matches one of its federated
// credentials and carries a valid signature of its issuer's key. Refusals carry the AADSTS
// codes and words Azure AD uses (70021 and friends).
import { randomUUID, type KeyObject } from "node:crypto";
import type { Principal } from "./identities";
import { decodeJwt } from "./jwt";

export const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

export interface FederatedCredential {
  issuer: string;
  subject: string;
  audiences: string[];
}

export interface FederatedIdentity extends Principal {
  federatedCredentials: FederatedCredential[];
}

export interface AadRefusal {
  status: number;
  error: string;
  code: number;
  text: string;
}

export class Federation {
  private readonly identities = new Map<string, FederatedIdentity>();
  /** What Azure AD would find at each issuer's `/.well-known/openid-configuration` jwks_uri. */
  private readonly issuerKeys = new Map<string, KeyObject>();
  /** Every client assertion presented, in order. */
  readonly assertions: string[] = [];

  constructor(private readonly defaultTenantId: string) {}

  /** A managed identity (or application) that service account tokens may sign in as. */
  addIdentity(o: Partial<Principal> & { federatedCredentials?: FederatedCredential[] } = {}): FederatedIdentity {
    const identity: FederatedIdentity = {
      clientId: o.clientId ?? randomUUID(),
      objectId: o.objectId ?? randomUUID(),
      tenantId: o.tenantId ?? this.defaultTenantId,
      federatedCredentials: o.federatedCredentials ?? [],
    };
    this.identities.set(identity.clientId.toLowerCase(), identity);
    return identity;
  }

  /** An OIDC issuer whose keys Azure AD can fetch (a cluster with its OIDC issuer enabled). */
  trustIssuer(issuer: string, publicKey: KeyObject): void {
    this.issuerKeys.set(issuer, publicKey);
  }

  has(clientId: string): boolean {
    return this.identities.has(clientId.toLowerCase());
  }

  /** The client_credentials grant with a client assertion: the identity signed in, or Azure AD's refusal. */
  signIn(
    clientId: string,
    tenant: string,
    assertionType: string | null,
    assertion: string,
  ): { principal: FederatedIdentity } | AadRefusal {
    this.assertions.push(assertion);
    const identity = this.identities.get(clientId.toLowerCase());
    if (!identity || identity.tenantId.toLowerCase() !== tenant.toLowerCase()) {
      return {
        status: 400,
        error: "unauthorized_client",
        code: 700016,
        text:
          `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can ` +
          `happen if the application has not been installed by the administrator of the tenant or consented ` +
          `to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      };
    }
    if (assertionType !== JWT_BEARER) {
      return {
        status: 400,
        error: "invalid_request",
        code: 700022,
        text: `The client_assertion_type '${assertionType ?? ""}' is not supported.`,
      };
    }
    const jwt = decodeJwt(assertion);
    if (!jwt) return { status: 400, error: "invalid_request", code: 50027, text: "JWT token is invalid or malformed." };
    const { iss, sub, aud, exp, nbf } = jwt.claims as {
      iss?: string;
      sub?: string;
      aud?: string | string[];
      exp?: number;
      nbf?: number;
    };
    const audiences = [aud ?? []].flat();
    const matching = identity.federatedCredentials.some(
      (fic) => fic.issuer === iss && fic.subject === sub && fic.audiences.some((a) => audiences.includes(a)),
    );
    if (!matching) {
      return {
        status: 400,
        error: "invalid_request",
        code: 70021,
        text:
          `No matching federated identity record found for presented assertion. Assertion ` +
          `Issuer: '${iss ?? ""}'. Assertion ` +
          `Subject: '${sub ?? ""}'. ` +
          `Assertion ` +
          `Audience: '${audiences.join(",")}'. https://docs.microsoft.com/en-us/azure/active-directory/develop/workload-identity-federation`,
      };
    }
    const key = this.issuerKeys.get(iss ?? "");
    if (!key)
      return { status: 400, error: "invalid_request", code: 50166, text: `Request to External OIDC endpoint failed.` };
    if (!jwt.signedBy(key))
      return {
        status: 401,
        error: "invalid_client",
        code: 700027,
        text: "Client assertion failed signature validation.",
      };
    const now = Date.now() / 1000;
    if ((exp ?? 0) < now || (nbf ?? 0) > now + 300) {
      return {
        status: 400,
        error: "invalid_client",
        code: 700024,
        text: `Client assertion is not within its valid time range. Current time: ${new Date().toISOString()}.`,
      };
    }
    return { principal: identity };
  }
}
