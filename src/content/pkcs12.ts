// Reads the PKCS#12 (PFX) file Key Vault keeps as a certificate's backing secret, with node-forge.
// Key Vault's PFX has the empty password. Forge only builds RSA objects: for other keys (EC) and
// for certificates it cannot model it leaves the ASN.1, so everything is taken as DER and handed
// to Node's crypto.
import forge from "node-forge";
import { ContentError } from "../errors";
import { certificateFromDer, privateKeyFromDer, type CertificateMaterial } from "./certificateMaterial";

const { asn1, pki } = forge;

/** The empty password has two encodings (no bytes, or a UTF-16 NUL); tools differ, so try both. */
const EMPTY_PASSWORDS = ["", undefined] as const;

const toDer = (node: forge.asn1.Asn1) => Buffer.from(asn1.toDer(node).getBytes(), "binary");

function openPfx(der: Buffer): forge.pkcs12.Pkcs12Pfx {
  let pfx: forge.asn1.Asn1;
  try {
    pfx = asn1.fromDer(der.toString("binary"), false);
  } catch {
    throw new ContentError("the secret's value is not a PKCS#12 (PFX) file");
  }
  for (const password of EMPTY_PASSWORDS) {
    try {
      return forge.pkcs12.pkcs12FromAsn1(pfx, false, password);
    } catch {
      // wrong encoding of the empty password, or not PKCS#12: decided after the last attempt
    }
  }
  throw new ContentError("the secret's PKCS#12 (PFX) file cannot be opened with the empty password Key Vault uses");
}

/** A key bag as PKCS#8 DER: forge's RSA object re-wrapped, or the PrivateKeyInfo it left as ASN.1. */
function keyDer(bag: forge.pkcs12.Bag): Buffer {
  if (bag.asn1) return toDer(bag.asn1);
  if (!bag.key) throw new ContentError("the secret's PKCS#12 file has an empty key bag");
  return toDer(pki.wrapRsaPrivateKey(pki.privateKeyToAsn1(bag.key)));
}

/**
 * A certificate bag as the certificate's exact DER. Forge keeps the TBSCertificate it parsed but
 * rebuilds the outer signature algorithm from its own table; X.509 requires that field to equal
 * the TBSCertificate's signature field, so that one is copied instead.
 */
function certificateDer(bag: forge.pkcs12.Bag): Buffer {
  if (bag.asn1) return toDer(bag.asn1);
  const certificate = bag.cert;
  const tbs = certificate?.tbsCertificate;
  if (!certificate || !tbs || !Array.isArray(tbs.value))
    throw new ContentError("the secret's PKCS#12 file has an empty certificate bag");
  const hasVersion = tbs.value[0]?.tagClass === asn1.Class.CONTEXT_SPECIFIC;
  const signatureAlgorithm = tbs.value[hasVersion ? 2 : 1];
  const signature = asn1.create(
    asn1.Class.UNIVERSAL,
    asn1.Type.BITSTRING,
    false,
    String.fromCharCode(0) + certificate.signature,
  );
  return toDer(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [tbs, signatureAlgorithm, signature]));
}

export function readPkcs12(der: Buffer): CertificateMaterial {
  const pfx = openPfx(der);
  const bags = pfx.safeContents.flatMap((contents) => contents.safeBags);
  return {
    privateKeys: bags
      .filter((bag) => bag.type === pki.oids.keyBag || bag.type === pki.oids.pkcs8ShroudedKeyBag)
      .map((bag) => privateKeyFromDer(keyDer(bag), "pkcs8")),
    certificates: bags
      .filter((bag) => bag.type === pki.oids.certBag)
      .map((bag) => certificateFromDer(certificateDer(bag))),
  };
}
