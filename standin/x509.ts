// Issues X.509 certificates from Node KeyObjects, for the proxy's TLS certificates
// and for the certificate chains that tests store in Key Vault.
import "reflect-metadata"; // @peculiar/x509 resolves its internals through tsyringe, which needs it
import * as x509 from "@peculiar/x509";
import { KeyObject, createPublicKey, webcrypto } from "node:crypto";

// @peculiar/x509 signs with Web Crypto: Node's.
x509.cryptoProvider.set(webcrypto);

export interface IssueOptions {
  /** Distinguished name, e.g. "CN=demo". */
  subject: string;
  /** Key being certified (a private key is fine: only its public half is used). */
  subjectKey: KeyObject;
  /** Signer; omit for a self-signed certificate (then subjectKey must be private). */
  issuer?: { name: string; key: KeyObject };
  /** A CA certificate may sign others. */
  ca?: boolean;
  /** DNS subjectAltNames (TLS server certificates). */
  dnsNames?: string[];
  /** IP address subjectAltNames (a server reached by address, as a kubeconfig's often is). */
  ipAddresses?: string[];
  validDays?: number;
  /** Days ago the certificate ran out (an expired one); default: valid from an hour ago for validDays. */
  expiredDaysAgo?: number;
}

/** Returns the DER bytes of a new certificate. */
export async function issueCertificate(o: IssueOptions): Promise<Buffer> {
  const signer = o.issuer ?? { name: o.subject, key: o.subjectKey };
  const signingAlgorithm = signatureAlgorithm(signer.key);
  const signingKey = await webcrypto.subtle.importKey(
    "pkcs8",
    signer.key.export({ type: "pkcs8", format: "der" }),
    signingAlgorithm,
    false,
    ["sign"],
  );
  const spki = createPublicKey(o.subjectKey).export({ type: "spki", format: "der" });
  const publicKey = new x509.PublicKey(spki);
  const issuerSpki = createPublicKey(signer.key).export({ type: "spki", format: "der" });

  const { KeyUsageFlags: F } = x509;
  const usages = o.ca
    ? F.keyCertSign | F.cRLSign
    : F.digitalSignature | (o.subjectKey.asymmetricKeyType === "rsa" ? F.keyEncipherment : 0);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(o.ca === true, undefined, true),
    new x509.KeyUsagesExtension(usages, true),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(new x509.PublicKey(issuerSpki)),
  ];
  const altNames = [
    ...(o.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
    ...(o.ipAddresses ?? []).map((value) => ({ type: "ip" as const, value })),
  ];
  if (altNames.length) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension(altNames),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    );
  }

  // Back-date a little: the machines of a test run do not share one clock.
  const day = 24 * 60 * 60 * 1000;
  const notAfter = new Date(
    o.expiredDaysAgo ? Date.now() - o.expiredDaysAgo * day : Date.now() + (o.validDays ?? 365) * day,
  );
  const notBefore = new Date(
    o.expiredDaysAgo ? notAfter.getTime() - (o.validDays ?? 365) * day : Date.now() - 60 * 60 * 1000,
  );
  const cert = await x509.X509CertificateGenerator.create({
    subject: o.subject,
    issuer: signer.name,
    notBefore,
    notAfter,
    publicKey,
    signingKey,
    signingAlgorithm,
    extensions,
  });
  return Buffer.from(cert.rawData);
}

/** WebCrypto parameters to sign with this key: SHA-256 for RSA, the curve's hash for ECDSA. */
function signatureAlgorithm(
  key: KeyObject,
): webcrypto.RsaHashedImportParams | (webcrypto.EcKeyImportParams & webcrypto.EcdsaParams) {
  if (key.asymmetricKeyType === "rsa") return { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const byCurve: Record<string, [string, string]> = {
    prime256v1: ["P-256", "SHA-256"],
    secp384r1: ["P-384", "SHA-384"],
    secp521r1: ["P-521", "SHA-512"],
  };
  const match = curve ? byCurve[curve] : undefined;
  if (!match) throw new Error(`cannot sign with a ${key.asymmetricKeyType} key (${curve ?? "no curve"})`);
  return { name: "ECDSA", namedCurve: match[0], hash: match[1] };
}

export function derToPem(der: Buffer, label = "CERTIFICATE"): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
