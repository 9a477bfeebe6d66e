// Reads a PEM file as Key Vault keeps a certificate imported as PEM (content type
// application/x-pem-file): a private key and certificates, in whatever order they were uploaded.
import forge from "node-forge";
import { ContentError } from "../errors";
import {
  certificateFromDer,
  privateKeyFromDer,
  type CertificateMaterial,
  type PrivateKeyEncoding,
} from "./certificateMaterial";

const KEY_ENCODINGS: Readonly<Record<string, PrivateKeyEncoding>> = {
  "PRIVATE KEY": "pkcs8",
  "RSA PRIVATE KEY": "pkcs1",
  "EC PRIVATE KEY": "sec1",
};
/** `openssl ecparam -genkey` writes the curve's parameters before the key: nothing to keep. */
const IGNORED = new Set(["EC PARAMETERS"]);

export function readPemFile(text: string): CertificateMaterial {
  let blocks: forge.pem.ObjectPEM[];
  try {
    blocks = forge.pem.decode(text);
  } catch {
    throw new ContentError("the secret's PEM file cannot be read");
  }
  const material: CertificateMaterial = { privateKeys: [], certificates: [] };
  for (const block of blocks) {
    const der = Buffer.from(block.body, "binary");
    const keyEncoding = KEY_ENCODINGS[block.type];
    if (block.type === "CERTIFICATE") material.certificates.push(certificateFromDer(der));
    else if (keyEncoding) material.privateKeys.push(privateKeyFromDer(der, keyEncoding));
    else if (!IGNORED.has(block.type)) {
      // The label is not secret; an encrypted key is the likely one ("ENCRYPTED PRIVATE KEY").
      throw new ContentError(`the secret's PEM file holds a block the driver cannot use: ${block.type}`);
    }
  }
  return material;
}
