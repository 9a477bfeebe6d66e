// What a certificate's backing secret holds once unpacked (from PKCS#12 or PEM): private keys
// and certificates as Node's crypto objects, which check key/certificate pairs and issuers.
import { createPrivateKey, X509Certificate, type KeyObject } from "node:crypto";
import { ContentError } from "../errors";

export interface CertificateMaterial {
  privateKeys: KeyObject[];
  /** In the order the secret holds them. */
  certificates: X509Certificate[];
}

/** The DER encodings a private key comes in (PKCS#8; PKCS#1 for RSA, SEC 1 for EC in older PEM files). */
export type PrivateKeyEncoding = "pkcs8" | "pkcs1" | "sec1";

export function privateKeyFromDer(der: Buffer, encoding: PrivateKeyEncoding): KeyObject {
  try {
    return createPrivateKey({ key: der, format: "der", type: encoding });
  } catch {
    throw new ContentError(`found a private key that cannot be read (${encoding})`);
  }
}

export function certificateFromDer(der: Buffer): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch {
    throw new ContentError("found a certificate that is not valid X.509 DER");
  }
}
