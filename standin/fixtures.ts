// Real key and certificate material for tests: key pairs as Key Vault would hold
// them, and a root -> intermediate -> leaf chain like one imported into Key Vault.
import { type webcrypto, KeyObject, generateKeyPairSync } from "node:crypto";
import { issueCertificate } from "./x509";

export type KeyKind = "RSA-2048" | "EC-P-256" | "EC-P-384" | "EC-P-521";

export interface KeyPair {
  kind: KeyKind;
  privateKey: KeyObject;
  /** kty, n, e (RSA) or kty, crv, x, y (EC): what Key Vault returns. */
  publicJwk: webcrypto.JsonWebKey;
  privateJwk: webcrypto.JsonWebKey;
}

export function generateKeyPair(kind: KeyKind): KeyPair {
  const { privateKey, publicKey } =
    kind === "RSA-2048"
      ? generateKeyPairSync("rsa", { modulusLength: 2048 })
      : generateKeyPairSync("ec", { namedCurve: kind.slice(3) });
  return {
    kind,
    privateKey,
    publicJwk: publicKey.export({ format: "jwk" }),
    privateJwk: privateKey.export({ format: "jwk" }),
  };
}

export interface CertificateChain {
  /** DER of the end-entity certificate. */
  leaf: Buffer;
  leafKey: KeyPair;
  /** DER of the issuers, nearest first: [intermediate, root]. */
  chain: Buffer[];
  root: Buffer;
  intermediate: Buffer;
}

/** A root CA (RSA) -> intermediate CA (EC P-256) -> leaf of `leafKind`. */
export async function generateCertificateChain(
  leafKind: KeyKind,
  subject = "CN=kv-flexvol-test",
): Promise<CertificateChain> {
  const rootKey = generateKeyPair("RSA-2048").privateKey;
  const intermediateKey = generateKeyPair("EC-P-256").privateKey;
  const leafKey = generateKeyPair(leafKind);
  const rootName = "CN=kv-flexvol test root";
  const intermediateName = "CN=kv-flexvol test intermediate";

  const root = await issueCertificate({ subject: rootName, subjectKey: rootKey, ca: true });
  const intermediate = await issueCertificate({
    subject: intermediateName,
    subjectKey: intermediateKey,
    issuer: { name: rootName, key: rootKey },
    ca: true,
  });
  const leaf = await issueCertificate({
    subject,
    subjectKey: leafKey.privateKey,
    issuer: { name: intermediateName, key: intermediateKey },
    dnsNames: [subject.replace(/^CN=/, "").replace(/[^a-z0-9.-]/gi, "-")],
  });
  return { leaf, leafKey, chain: [intermediate, root], root, intermediate };
}
