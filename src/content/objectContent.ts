// What a file holds for each object type and format. Defaults are byte-for-byte those of the
// Go driver v0.0.17, so pods written for it read the same bytes.
import { createPublicKey, type webcrypto } from "node:crypto";
import { ContentError } from "../errors";
import type { VaultCertificate, VaultKey, VaultSecret } from "../model/keyVault";
import type { ObjectFormat, ObjectOutput } from "../model/objectSpec";
import { certificatePfx, certificateSecretPem } from "./certificateBundle";
import { certificateFromDer } from "./certificateMaterial";
import { decodeSecretValue } from "./secretValue";

const DEFAULT_OUTPUT: ObjectOutput = { format: "default", encoding: "utf-8" };

const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

/** Key Vault's curve names → the names Node's JWK import knows. */
const CURVES: Record<string, string> = { "P-256": "P-256", "P-384": "P-384", "P-521": "P-521", "P-256K": "secp256k1" };

/** default: the value (decoded per encoding); pem/pfx: a certificate's backing secret, unpacked or as is. */
export function secretContent(secret: VaultSecret, { format, encoding }: ObjectOutput = DEFAULT_OUTPUT): Buffer {
  switch (format) {
    case "default":
      return decodeSecretValue(secret.value, encoding);
    case "pem":
      return certificateSecretPem(secret);
    case "pfx":
      return certificatePfx(secret);
  }
}

/** The public key as PEM SubjectPublicKeyInfo, for RSA and EC keys. */
export function publicKeyPem(key: VaultKey): Buffer {
  let jwk: webcrypto.JsonWebKey;
  if (key.n && key.e) {
    jwk = { kty: "RSA", n: base64url(key.n), e: base64url(key.e) };
  } else if (key.crv && key.x && key.y) {
    const crv = CURVES[key.crv];
    if (!crv) throw new ContentError(`unsupported elliptic curve ${key.crv}`);
    jwk = { kty: "EC", crv, x: base64url(key.x), y: base64url(key.y) };
  } else {
    throw new ContentError(`key type ${key.kty} has no public key fields`);
  }
  try {
    return Buffer.from(createPublicKey({ key: jwk, format: "jwk" }).export({ type: "spki", format: "pem" }));
  } catch {
    throw new ContentError(`the ${key.kty} key's public fields do not form a valid key`);
  }
}

/**
 * default: RSA: the JWK `n` as base64url text without padding, exactly as Key Vault returns it
 * (the Go driver wrote that text); EC keys have no `n` (the Go driver crashed): PEM.
 * pem: the public key as PEM for both.
 */
export function keyContent(key: VaultKey, format: ObjectFormat = "default"): Buffer {
  return key.n && format === "default" ? Buffer.from(base64url(key.n), "ascii") : publicKeyPem(key);
}

/** default: the DER bytes; pem: the same certificate PEM-armoured. */
export function certificateContent(certificate: VaultCertificate, format: ObjectFormat = "default"): Buffer {
  if (certificate.cer.length === 0) throw new ContentError("the certificate has no DER content (cer)");
  const der = Buffer.from(certificate.cer);
  return format === "pem" ? Buffer.from(certificateFromDer(der).toString()) : der;
}
