// The JSON Key Vault answers with (REST API 7.x): secret, key and certificate
// bundles, and its error bodies with their real wording.
import { type webcrypto, X509Certificate, createHash } from "node:crypto";

export type ObjectType = "secret" | "key" | "cert";

/** URL path segment of each object type: /secrets/..., /keys/..., /certificates/... */
export const COLLECTION: Record<ObjectType, string> = { secret: "secrets", key: "keys", cert: "certificates" };

const NOUN: Record<ObjectType, string> = { secret: "secret", key: "key", cert: "certificate" };
const NOT_FOUND_CODE: Record<ObjectType, string> = {
  secret: "SecretNotFound",
  key: "KeyNotFound",
  cert: "CertificateNotFound",
};

const epoch = (d: Date) => Math.floor(d.getTime() / 1000);

export interface Attributes {
  enabled: boolean;
  nbf?: number;
  exp?: number;
  created: number;
  updated: number;
  recoveryLevel: string;
  recoverableDays: number;
}

export function attributes(validity?: { nbf?: Date; exp?: Date }): Attributes {
  const now = epoch(new Date());
  return {
    enabled: true,
    ...(validity?.nbf ? { nbf: epoch(validity.nbf) } : {}),
    ...(validity?.exp ? { exp: epoch(validity.exp) } : {}),
    created: now,
    updated: now,
    recoveryLevel: "Recoverable+Purgeable",
    recoverableDays: 90,
  };
}

export interface SecretOptions {
  contentType?: string;
  tags?: Record<string, string>;
}

export function secretBundle(
  id: string,
  value: string,
  o: SecretOptions & { kid?: string; attributes?: Attributes } = {},
): object {
  return {
    value,
    ...(o.contentType ? { contentType: o.contentType } : {}),
    id,
    attributes: o.attributes ?? attributes(),
    ...(o.tags ? { tags: o.tags } : {}),
    // A certificate's backing secret names its key and is managed by Key Vault.
    ...(o.kid ? { kid: o.kid, managed: true } : {}),
  };
}

/** Public members only: Key Vault never returns d, p, q, ... */
export function publicJwk(jwk: webcrypto.JsonWebKey): webcrypto.JsonWebKey {
  if (jwk.kty === "RSA") return { kty: "RSA", n: jwk.n, e: jwk.e };
  if (jwk.kty === "EC") return { kty: "EC", crv: jwk.crv, x: jwk.x, y: jwk.y };
  throw new Error(`Key Vault stand-in: unsupported key type ${jwk.kty}`);
}

export function keyBundle(
  kid: string,
  jwk: webcrypto.JsonWebKey,
  o: { managed?: boolean; attributes?: Attributes } = {},
): object {
  const pub = publicJwk(jwk);
  const key_ops =
    pub.kty === "RSA" ? ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"] : ["sign", "verify"];
  return {
    key: { kid, kty: pub.kty, key_ops, ...pub },
    attributes: o.attributes ?? attributes(),
    ...(o.managed ? { managed: true } : {}),
  };
}

export interface CertificateIds {
  /** https://<vault>/certificates/<name>/<version> */
  id: string;
  kid: string;
  sid: string;
  /** https://<vault>/certificates/<name> */
  base: string;
}

export function certificateBundle(ids: CertificateIds, der: Buffer, contentType: string, attrs: Attributes): object {
  const cert = new X509Certificate(der);
  const key = cert.publicKey;
  const validityMonths = Math.round(
    (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / (30.44 * 24 * 3600 * 1000),
  );
  return {
    id: ids.id,
    kid: ids.kid,
    sid: ids.sid,
    x5t: createHash("sha1").update(der).digest("base64url"),
    cer: der.toString("base64"),
    attributes: attrs,
    policy: {
      id: `${ids.base}/policy`,
      key_props:
        key.asymmetricKeyType === "rsa"
          ? { exportable: true, kty: "RSA", key_size: key.asymmetricKeyDetails?.modulusLength, reuse_key: false }
          : { exportable: true, kty: "EC", crv: jwkCurve(key.asymmetricKeyDetails?.namedCurve), reuse_key: false },
      secret_props: { contentType },
      x509_props: {
        subject: cert.subject.split("\n").reverse().join(", "),
        sans: {},
        ekus: [],
        key_usage: [],
        validity_months: validityMonths,
        basic_constraints: { ca: cert.ca },
      },
      lifetime_actions: [{ trigger: { lifetime_percentage: 80 }, action: { action_type: "EmailContacts" } }],
      issuer: { name: "Unknown" }, // imported certificates have no issuer provider
      attributes: { enabled: true, created: attrs.created, updated: attrs.updated },
    },
  };
}

function jwkCurve(opensslName: string | undefined): string | undefined {
  const names: Record<string, string> = {
    prime256v1: "P-256",
    secp384r1: "P-384",
    secp521r1: "P-521",
    secp256k1: "P-256K",
  };
  return opensslName ? names[opensslName] : undefined;
}

/** Key Vault's error JSON. */
export function kvError(code: string, message: string, innerError?: string): object {
  return { error: { code, message, ...(innerError ? { innerError: { code: innerError } } : {}) } };
}

export function notFoundError(type: ObjectType, nameOrId: string): object {
  return kvError(
    NOT_FOUND_CODE[type],
    `A ${NOUN[type]} with (name/id) ${nameOrId} was not found in this key vault. If you recently deleted this ` +
      `${NOUN[type]} you may be able to recover it using the correct recovery command. For help resolving this ` +
      "issue, please see https://go.microsoft.com/fwlink/?linkid=2125182",
  );
}

export function forbiddenError(
  who: { clientId: string; objectId: string; tenantId: string },
  type: ObjectType,
  vault: { name: string; location: string },
): object {
  return kvError(
    "Forbidden",
    `The user, group or application 'appid=${who.clientId};oid=${who.objectId};iss=https://sts.windows.net/` +
      `${who.tenantId}/' does not have ${COLLECTION[type]} get permission on key vault '${vault.name};location=` +
      `${vault.location}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`,
    "AccessDenied",
  );
}
