// How Key Vault packages a certificate with its private key into the certificate's
// backing secret: a PKCS#12 (PFX) file, base64 in the secret's value, or a PEM bundle.
//
// node-forge's own PKCS#12 writer only takes forge RSA keys (and cannot even parse a
// certificate with an EC key), so the PFX is assembled here from forge's ASN.1 and
// PKCS#12 primitives with the key as a PKCS#8 blob: that works for RSA and EC alike.
import { KeyObject, createHash, randomBytes } from "node:crypto";
import forge from "node-forge";
import { derToPem } from "./x509";

const { asn1, pki } = forge;
const { Class, Type } = asn1;

const oid = (id: string) => asn1.create(Class.UNIVERSAL, Type.OID, false, asn1.oidToDer(id).getBytes());
const seq = (items: forge.asn1.Asn1[]) => asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, items);
const octets = (bytes: string) => asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, bytes);
const explicit0 = (inner: forge.asn1.Asn1) => asn1.create(Class.CONTEXT_SPECIFIC, 0, true, [inner]);
const binary = (b: Buffer) => b.toString("binary");

/** PKCS#7 ContentInfo of type "data" wrapping SafeContents. */
const dataContent = (bags: forge.asn1.Asn1[]) =>
  seq([oid(pki.oids.data), explicit0(octets(asn1.toDer(seq(bags)).getBytes()))]);

/**
 * A PFX as Key Vault exports it: no password (the empty one), key shrouded with
 * pbeWithSHAAnd3-KeyTripleDES-CBC, certificates leaf first, SHA-1 MAC.
 */
export function toPkcs12(key: KeyObject, certificates: Buffer[], password = ""): Buffer {
  const iterations = 2048;
  // localKeyId pairs the key with its certificate (SHA-1 of the leaf, as Windows does).
  const localKeyId = seq([
    oid(pki.oids.localKeyId),
    asn1.create(Class.UNIVERSAL, Type.SET, true, [octets(binary(createHash("sha1").update(certificates[0]).digest()))]),
  ]);
  const bagAttributes = () => asn1.create(Class.UNIVERSAL, Type.SET, true, [localKeyId]);

  const certBags = certificates.map((der, i) =>
    seq([
      oid(pki.oids.certBag),
      explicit0(seq([oid(pki.oids.x509Certificate), explicit0(octets(binary(der)))])),
      ...(i === 0 ? [bagAttributes()] : []),
    ]),
  );
  const privateKeyInfo = asn1.fromDer(binary(key.export({ type: "pkcs8", format: "der" })));
  const keyBag = seq([
    oid(pki.oids.pkcs8ShroudedKeyBag),
    explicit0(pki.encryptPrivateKeyInfo(privateKeyInfo, password, { algorithm: "3des", count: iterations })),
    bagAttributes(),
  ]);
  const authSafe = asn1.toDer(seq([dataContent(certBags), dataContent([keyBag])])).getBytes();

  const salt = binary(randomBytes(8));
  const macKey = forge.pkcs12.generateKey(password, forge.util.createBuffer(salt), 3, iterations, 20);
  const hmac = forge.hmac.create();
  hmac.start("sha1", macKey);
  hmac.update(authSafe);
  const macData = seq([
    seq([
      seq([oid(pki.oids.sha1), asn1.create(Class.UNIVERSAL, Type.NULL, false, "")]),
      octets(hmac.digest().getBytes()),
    ]),
    octets(salt),
    asn1.create(Class.UNIVERSAL, Type.INTEGER, false, asn1.integerToDer(iterations).getBytes()),
  ]);

  const pfx = seq([
    asn1.create(Class.UNIVERSAL, Type.INTEGER, false, asn1.integerToDer(3).getBytes()),
    seq([oid(pki.oids.data), explicit0(octets(authSafe))]),
    macData,
  ]);
  return Buffer.from(asn1.toDer(pfx).getBytes(), "binary");
}

/** Key Vault's application/x-pem-file secret: the PKCS#8 key, then the certificates, leaf first. */
export function toPemBundle(key: KeyObject, certificates: Buffer[]): string {
  return String(key.export({ type: "pkcs8", format: "pem" })) + certificates.map((c) => derToPem(c)).join("");
}

export const PKCS12_CONTENT_TYPE = "application/x-pkcs12";
export const PEM_CONTENT_TYPE = "application/x-pem-file";
