// What a file holds for each object type. Defaults are byte-for-byte those of the Go
// driver v0.0.17, so pods written for it read the same bytes.
import { createPublicKey, type JsonWebKey } from "node:crypto";
import type { VaultCertificate, VaultKey, VaultSecret } from "./keyVault";

export class ContentError extends Error {
  override readonly name = "ContentError";
}

const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

/** Key Vault's curve names → the names Node's JWK import knows. */
const CURVES: Record<string, string> = { "P-256": "P-256", "P-384": "P-384", "P-521": "P-521", "P-256K": "secp256k1" };

export function secretContent(secret: VaultSecret): Buffer {
  return Buffer.from(secret.value, "utf8");
}

/** The public key as PEM SubjectPublicKeyInfo, for RSA and EC keys. */
export function publicKeyPem(key: VaultKey): Buffer {
  let jwk: JsonWebKey;
  if (key.n && key.e) {
    jwk = { kty: "RSA", n: base64url(key.n), e: base64url(key.e) };
  } else if (key.crv && key.x && key.y) {
    const crv = CURVES[key.crv];
    if (!crv) throw new ContentError(`unsupported elliptic curve ${key.crv}`);
    jwk = { kty: "EC", crv, x: base64url(key.x), y: base64url(key.y) };
  } else {
    throw new ContentError(`key type ${key.kty} has no public key fields`);
  }
  return Buffer.from(createPublicKey({ key: jwk, format: "jwk" }).export({ type: "spki", format: "pem" }));
}

/**
 * RSA: the JWK `n` as base64url text without padding, exactly as Key Vault returns it
 * (the Go driver wrote that text). EC keys have no `n` (the Go driver crashed): PEM.
 */
export function keyContent(key: VaultKey): Buffer {
  return key.n ? Buffer.from(base64url(key.n), "ascii") : publicKeyPem(key);
}

export function certificateContent(certificate: VaultCertificate): Buffer {
  if (certificate.cer.length === 0) throw new ContentError("the certificate has no DER content (cer)");
  return Buffer.from(certificate.cer);
}
