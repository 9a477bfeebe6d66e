// Reading the PEM bundles the driver writes (format pem of a certificate's secret): the blocks in
// order, and the check that they are the private key, the leaf certificate, then its chain.
import { createPrivateKey, X509Certificate } from "node:crypto";
import type { CertificateChain } from "../../standin/fixtures";

export interface PemBlock {
  label: string;
  text: string;
}

/** The PEM blocks of a file, in order. */
export function pemBlocks(text: string): PemBlock[] {
  return [...text.matchAll(/-----BEGIN ([A-Z ]+)-----\n[A-Za-z0-9+/=\n]+-----END \1-----\n/g)].map((m) => ({
    label: m[1],
    text: m[0],
  }));
}

/** `text` is exactly: the PKCS#8 key of `chain`'s leaf, the leaf, the intermediate, the root. */
export function expectKeyLeafChain(text: string, chain: CertificateChain): void {
  const blocks = pemBlocks(text);
  expect(blocks.map((b) => b.label)).toEqual(["PRIVATE KEY", "CERTIFICATE", "CERTIFICATE", "CERTIFICATE"]);
  expect(blocks.map((b) => b.text).join("")).toBe(text);
  const key = createPrivateKey(blocks[0].text);
  const [leaf, intermediate, root] = blocks.slice(1).map((b) => new X509Certificate(b.text));
  expect(key.export({ format: "jwk" })).toEqual(chain.leafKey.privateJwk);
  expect(leaf.checkPrivateKey(key)).toBe(true);
  expect([leaf.raw, intermediate.raw, root.raw]).toEqual([chain.leaf, chain.intermediate, chain.root]);
  expect(leaf.verify(intermediate.publicKey) && intermediate.verify(root.publicKey)).toBe(true);
}
