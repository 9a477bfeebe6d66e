// A certificate's backing secret (the secret Key Vault keeps next to every certificate, holding
// its private key and chain) as the files TLS servers want: one PEM with the private key, the
// leaf certificate, then the chain (`pem`), or the PKCS#12 bytes themselves (`pfx`).
import type { KeyObject, X509Certificate } from "node:crypto";
import { ContentError } from "../errors";
import type { VaultSecret } from "../model/keyVault";
import { decodeStdBase64 } from "../text/base64";
import type { CertificateMaterial } from "./certificateMaterial";

const PKCS12_CONTENT_TYPE = "application/x-pkcs12";
const PEM_CONTENT_TYPE = "application/x-pem-file";

interface CertificateBundle {
  privateKey: KeyObject;
  /** The certificate of `privateKey`. */
  leaf: X509Certificate;
  /** The leaf's issuer, its issuer, ...; then any other certificate, in the secret's order. */
  chain: X509Certificate[];
}

function contentTypeOf(secret: VaultSecret): typeof PKCS12_CONTENT_TYPE | typeof PEM_CONTENT_TYPE {
  const contentType = (secret.contentType ?? "").trim().toLowerCase();
  if (contentType === PKCS12_CONTENT_TYPE || contentType === PEM_CONTENT_TYPE) return contentType;
  throw new ContentError(
    `the secret's content ` +
      `type is ${contentType ? JSON.stringify(contentType) : "not set"}, not ${PKCS12_CONTENT_TYPE}` +
      ` or ${PEM_CONTENT_TYPE}: ` +
      "formats pem and pfx read the secret that backs a Key Vault certificate (it has the certificate's name); " +
      "leave the format entry empty for this secret's value as it is",
  );
}

/** The PKCS#12 file a PKCS#12 backing secret holds (its value is that file, base64). */
function storedPfx(secret: VaultSecret): Buffer {
  const pfx = decodeStdBase64(secret.value);
  if (!pfx)
    throw new ContentError(`the secret's value is not base64, as a ${PKCS12_CONTENT_TYPE} secret's value must be`);
  return pfx;
}

/**
 * `pfx` of a certificate's backing secret: the vault's own PKCS#12 file as it is, or, for a
 * certificate imported as PEM, one written from its key and chain.
 */
export function certificatePfx(secret: VaultSecret): Buffer {
  if (contentTypeOf(secret) === PKCS12_CONTENT_TYPE) return storedPfx(secret);
  const { privateKey, leaf, chain } = bundleOf(readMaterial(secret));
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- node-forge loads on first use (below)
  const { writePkcs12 } = require("./pkcs12File") as typeof import("./pkcs12File");
  return writePkcs12(privateKey, leaf, chain);
}

/** node-forge takes 10-30 ms to load, so only a mount that unpacks a certificate loads it. */
function readMaterial(secret: VaultSecret): CertificateMaterial {
  if (contentTypeOf(secret) === PKCS12_CONTENT_TYPE) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- node-forge loads on first use
    const { readPkcs12 } = require("./pkcs12") as typeof import("./pkcs12");
    return readPkcs12(storedPfx(secret));
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- node-forge loads on first use
  const { readPemFile } = require("./pemFile") as typeof import("./pemFile");
  return readPemFile(secret.value);
}

/**
 * The leaf is the certificate of the one private key; the chain climbs from it through issuers.
 * Certificates off that path (a second root, a cross-signed copy) follow in their original order.
 */
function bundleOf({ privateKeys, certificates }: CertificateMaterial): CertificateBundle {
  if (privateKeys.length !== 1) {
    throw new ContentError(
      privateKeys.length === 0
        ? "the secret holds no private key (is the certificate's key marked not exportable?); use type cert " +
            "for the certificate alone"
        : `the secret holds ${privateKeys.length} private keys; a certificate's secret has one`,
    );
  }
  const [privateKey] = privateKeys;
  const leaf = certificates.find((certificate) => certificate.checkPrivateKey(privateKey));
  if (!leaf) throw new ContentError("no certificate in the secret matches its private key");

  const unused = certificates.filter((certificate) => certificate !== leaf);
  // A self-signed root is its own issuer: the climb stops there.
  const issuerOf = (child: X509Certificate) =>
    child.checkIssued(child)
      ? undefined
      : unused.find((candidate) => child.checkIssued(candidate) && child.verify(candidate.publicKey));
  const chain: X509Certificate[] = [];
  for (let issuer = issuerOf(leaf); issuer; issuer = issuerOf(issuer)) {
    chain.push(issuer);
    unused.splice(unused.indexOf(issuer), 1);
  }
  return { privateKey, leaf, chain: [...chain, ...unused] };
}

function bundlePem({ privateKey, leaf, chain }: CertificateBundle): Buffer {
  const key = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  return Buffer.from(key + [leaf, ...chain].map((certificate) => certificate.toString()).join(""));
}

/** `pem` of a certificate's backing secret: private key (PKCS#8), leaf certificate, then the chain. */
export function certificateSecretPem(secret: VaultSecret): Buffer {
  return bundlePem(bundleOf(readMaterial(secret)));
}
