// Writes a PKCS#12 (PFX) file for a certificate Key Vault holds as PEM, so that format pfx
// works for every certificate. No password, as Key Vault's own PFX export has none, and only
// algorithms OpenSSL 3 reads without -legacy: the key is encrypted by OpenSSL itself (Node's
// PKCS#8 export: PBES2, PBKDF2 with HMAC-SHA-256, AES-256-CBC), certificates are plain, and
// the MAC is HMAC-SHA-256. node-forge writes PKCS#12 for RSA keys only, so the structure is
// built with its ASN.1 encoder and PKCS#12 key derivation around keys of any type.
import { createHash, createHmac, randomBytes, type KeyObject, type X509Certificate } from "node:crypto";
import forge from "node-forge";

const { asn1, pki } = forge;
const { Class, Type } = asn1;

const MAC_ITERATIONS = 2048;
/** RFC 8018 / RFC 7292 object identifiers forge's table lacks. */
const SHA256_OID = "2.16.840.1.101.3.4.2.1";

type Node = forge.asn1.Asn1;
const bytes = (buffer: Buffer) => buffer.toString("binary");
const seq = (value: Node[]) => asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, value);
const set = (value: Node[]) => asn1.create(Class.UNIVERSAL, Type.SET, true, value);
const oid = (id: string) => asn1.create(Class.UNIVERSAL, Type.OID, false, asn1.oidToDer(id).getBytes());
const octets = (value: string) => asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, value);
const explicit = (value: Node) => asn1.create(Class.CONTEXT_SPECIFIC, 0, true, [value]);
const der = (node: Node) => asn1.toDer(node).getBytes();

/** A ContentInfo of type data around DER content (unencrypted, as PKCS#12 allows). */
const dataContent = (content: Node) => seq([oid(pki.oids.data), explicit(octets(der(content)))]);

/** `localKeyId`: pairs the key with its certificate (Windows and Java look for it). */
const localKeyId = (leaf: X509Certificate) =>
  set([seq([oid(pki.oids.localKeyId), set([octets(bytes(createHash("sha1").update(leaf.raw).digest()))])])]);

function certificateBag(certificate: X509Certificate, attributes?: Node): Node {
  const certBag = seq([oid(pki.oids.x509Certificate), explicit(octets(bytes(certificate.raw)))]);
  return seq([oid(pki.oids.certBag), explicit(certBag), ...(attributes ? [attributes] : [])]);
}

function keyBag(privateKey: KeyObject, attributes: Node): Node {
  const encrypted = privateKey.export({ type: "pkcs8", format: "der", cipher: "aes-256-cbc", passphrase: "" });
  return seq([oid(pki.oids.pkcs8ShroudedKeyBag), explicit(asn1.fromDer(bytes(encrypted))), attributes]);
}

function macData(authenticatedSafe: string): Node {
  const salt = randomBytes(16);
  // RFC 7292 appendix B key derivation (ID 3: MAC key) from the empty password.
  const key = forge.pkcs12.generateKey(
    "",
    forge.util.createBuffer(bytes(salt)),
    3,
    MAC_ITERATIONS,
    32,
    forge.md.sha256.create(),
  );
  const mac = createHmac("sha256", Buffer.from(key.getBytes(), "binary"))
    .update(Buffer.from(authenticatedSafe, "binary"))
    .digest();
  const algorithm = seq([oid(SHA256_OID), asn1.create(Class.UNIVERSAL, Type.NULL, false, "")]);
  return seq([
    seq([algorithm, octets(bytes(mac))]),
    octets(bytes(salt)),
    asn1.create(Class.UNIVERSAL, Type.INTEGER, false, asn1.integerToDer(MAC_ITERATIONS).getBytes()),
  ]);
}

/** The PKCS#12 file of a private key, its certificate and the certificates above it. */
export function writePkcs12(privateKey: KeyObject, leaf: X509Certificate, chain: readonly X509Certificate[]): Buffer {
  const attributes = localKeyId(leaf);
  const certificates = seq([
    certificateBag(leaf, attributes),
    ...chain.map((certificate) => certificateBag(certificate)),
  ]);
  const authenticatedSafe = der(seq([dataContent(certificates), dataContent(seq([keyBag(privateKey, attributes)]))]));
  const pfx = seq([
    asn1.create(Class.UNIVERSAL, Type.INTEGER, false, asn1.integerToDer(3).getBytes()),
    seq([oid(pki.oids.data), explicit(octets(authenticatedSafe))]),
    macData(authenticatedSafe),
  ]);
  return Buffer.from(der(pfx), "binary");
}
