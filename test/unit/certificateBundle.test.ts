// Formats pem and pfx of a certificate's backing secret, with real keys and chains as Key Vault
// would hold them (PKCS#12 with the empty password, or a PEM file).
import { createPublicKey, generateKeyPairSync, X509Certificate, type KeyObject } from "node:crypto";
import forge from "node-forge";
import { ContentError } from "../../src/errors";
import { errorOf } from "./optionErrorOf";
import type { VaultSecret } from "../../src/model/keyVault";
import { secretContent } from "../../src/content/objectContent";
import { PEM_CONTENT_TYPE, PKCS12_CONTENT_TYPE, toPemBundle, toPkcs12 } from "../../standin/certPackaging";
import { generateCertificateChain, generateKeyPair, type CertificateChain, type KeyKind } from "../../standin/fixtures";
import { expectKeyLeafChain, pemBlocks } from "../support/pemBundle";
import { derToPem, issueCertificate } from "../../standin/x509";

const KINDS: KeyKind[] = ["RSA-2048", "EC-P-256", "EC-P-384", "EC-P-521"];
const pem = (secret: VaultSecret) => secretContent(secret, { format: "pem", encoding: "utf-8" }).toString();
const pfx = (secret: VaultSecret) => secretContent(secret, { format: "pfx", encoding: "utf-8" });
const pkcs12Secret = (key: KeyObject, certificates: Buffer[]): VaultSecret => ({
  value: toPkcs12(key, certificates).toString("base64"),
  contentType: PKCS12_CONTENT_TYPE,
});

const contentErrorOf = (run: () => unknown) => errorOf(ContentError, run).message;

let chains: Record<KeyKind, CertificateChain>;
beforeAll(async () => {
  chains = Object.fromEntries(
    await Promise.all(KINDS.map(async (kind) => [kind, await generateCertificateChain(kind)])),
  ) as Record<KeyKind, CertificateChain>;
});

describe.each(KINDS)("a certificate with a %s key", (kind) => {
  it("from PKCS#12: pem is the key, the leaf, then the chain", () => {
    const chain = chains[kind];
    expectKeyLeafChain(pem(pkcs12Secret(chain.leafKey.privateKey, [chain.leaf, ...chain.chain])), chain);
  });

  it("from PKCS#12 with the chain first: pem still starts from the leaf", () => {
    const chain = chains[kind];
    expectKeyLeafChain(
      pem(pkcs12Secret(chain.leafKey.privateKey, [chain.root, chain.leaf, chain.intermediate])),
      chain,
    );
  });

  it("from a PEM file in any order: pem is reordered", () => {
    const chain = chains[kind];
    const shuffled =
      derToPem(chain.root) +
      derToPem(chain.leaf) +
      String(chain.leafKey.privateKey.export({ type: "pkcs8", format: "pem" })) +
      derToPem(chain.intermediate);
    expectKeyLeafChain(pem({ value: shuffled, contentType: PEM_CONTENT_TYPE }), chain);
  });

  it("from PKCS#12: pfx is the PKCS#12 file itself, and it opens with the empty password", () => {
    const chain = chains[kind];
    const secret = pkcs12Secret(chain.leafKey.privateKey, [chain.leaf, ...chain.chain]);
    const file = pfx(secret);
    expect(file).toEqual(Buffer.from(secret.value, "base64"));
    const opened = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(file.toString("binary")), "");
    const bags = opened.safeContents.flatMap((contents) => contents.safeBags);
    expect(bags.filter((bag) => bag.type === forge.pki.oids.certBag)).toHaveLength(3);
    expect(bags.filter((bag) => bag.type === forge.pki.oids.pkcs8ShroudedKeyBag)).toHaveLength(1);
  });

  it("from a PEM file in any order: pfx is a PKCS#12 file of the key, the leaf, then the chain", () => {
    const chain = chains[kind];
    const shuffled =
      derToPem(chain.intermediate) +
      String(chain.leafKey.privateKey.export({ type: "pkcs8", format: "pem" })) +
      derToPem(chain.root) +
      derToPem(chain.leaf);
    const file = pfx({ value: shuffled, contentType: PEM_CONTENT_TYPE });
    // Read back as the vault's own PKCS#12 files are read: the same key, leaf and chain come out.
    expectKeyLeafChain(pem({ value: file.toString("base64"), contentType: PKCS12_CONTENT_TYPE }), chain);
  });
});

describe("pem of a certificate's secret also", () => {
  it("writes PKCS#1 and SEC 1 keys of older PEM files as PKCS#8, skipping EC PARAMETERS", () => {
    for (const kind of ["RSA-2048", "EC-P-256"] as const) {
      const chain = chains[kind];
      const type = kind === "RSA-2048" ? "pkcs1" : "sec1";
      const parameters =
        kind === "RSA-2048" ? "" : "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n";
      const file =
        parameters +
        String(chain.leafKey.privateKey.export({ type, format: "pem" })) +
        [chain.leaf, ...chain.chain].map((c) => derToPem(c)).join("");
      expectKeyLeafChain(pem({ value: file, contentType: PEM_CONTENT_TYPE }), chain);
    }
  });

  it("keeps certificates off the leaf's path, after the chain", async () => {
    const chain = chains["EC-P-256"];
    const stranger = await issueCertificate({
      subject: "CN=unrelated root",
      subjectKey: generateKeyPair("EC-P-256").privateKey,
      ca: true,
    });
    const text = pem(pkcs12Secret(chain.leafKey.privateKey, [stranger, chain.leaf, chain.intermediate, chain.root]));
    const certificates = pemBlocks(text)
      .slice(1)
      .map((b) => new X509Certificate(b.text).raw);
    expect(certificates).toEqual([chain.leaf, chain.intermediate, chain.root, stranger]);
  });

  it("reads a PKCS#12 file whose empty password has no bytes (another tool's encoding)", async () => {
    const key = generateKeyPair("RSA-2048").privateKey;
    const certificate = await issueCertificate({ subject: "CN=self-signed", subjectKey: key });
    const forgeKey = forge.pki.privateKeyFromPem(String(key.export({ type: "pkcs1", format: "pem" })));
    const forgeCertificate = forge.pki.certificateFromAsn1(forge.asn1.fromDer(certificate.toString("binary")));
    const file = forge.asn1
      .toDer(forge.pkcs12.toPkcs12Asn1(forgeKey, [forgeCertificate], null, { useMac: true }))
      .getBytes();
    const text = pem({ value: Buffer.from(file, "binary").toString("base64"), contentType: "Application/X-PKCS12" });
    expect(pemBlocks(text).map((b) => b.label)).toEqual(["PRIVATE KEY", "CERTIFICATE"]);
    expect(new X509Certificate(pemBlocks(text)[1].text).raw).toEqual(certificate);
    expect(createPublicKey(pemBlocks(text)[0].text).export({ format: "jwk" })).toEqual(
      createPublicKey(key).export({ format: "jwk" }),
    );
  });
});

describe("pem and pfx refuse", () => {
  const SECRET = "plain-password-value-9d2e";

  it.each<[string, () => VaultSecret, "pem" | "pfx", string]>([
    ["a plain secret (no content type)", () => ({ value: SECRET }), "pem", "content type is not set"],
    [
      "a secret of another content type",
      () => ({ value: SECRET, contentType: "text/plain" }),
      "pfx",
      'content type is "text/plain"',
    ],
    [
      "a PKCS#12 secret whose value is not base64",
      () => ({ value: SECRET, contentType: PKCS12_CONTENT_TYPE }),
      "pem",
      "not base64",
    ],
    [
      "a PKCS#12 secret that is no PKCS#12",
      () => ({ value: Buffer.from(SECRET).toString("base64"), contentType: PKCS12_CONTENT_TYPE }),
      "pem",
      "not a PKCS#12",
    ],
    [
      "a PKCS#12 file with another password",
      () => ({
        value: toPkcs12(chains["EC-P-256"].leafKey.privateKey, [chains["EC-P-256"].leaf], "hunter2").toString("base64"),
        contentType: PKCS12_CONTENT_TYPE,
      }),
      "pem",
      "empty password",
    ],
    [
      "pfx of a PEM file without a key",
      () => ({ value: derToPem(chains["RSA-2048"].leaf), contentType: PEM_CONTENT_TYPE }),
      "pfx",
      "no private key",
    ],
    [
      "a PEM file without a key",
      () => ({ value: derToPem(chains["RSA-2048"].leaf), contentType: PEM_CONTENT_TYPE }),
      "pem",
      "no private key",
    ],
    [
      "a PEM file with two keys",
      () => ({
        value:
          toPemBundle(chains["RSA-2048"].leafKey.privateKey, [chains["RSA-2048"].leaf]) +
          String(generateKeyPair("EC-P-256").privateKey.export({ type: "pkcs8", format: "pem" })),
        contentType: PEM_CONTENT_TYPE,
      }),
      "pem",
      "2 private keys",
    ],
    [
      "a key that matches no certificate",
      () => ({
        value: toPemBundle(generateKeyPair("RSA-2048").privateKey, [chains["RSA-2048"].leaf]),
        contentType: PEM_CONTENT_TYPE,
      }),
      "pem",
      "no certificate in the secret matches its private key",
    ],
    [
      "an encrypted private key",
      () => ({
        value: String(
          generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({
            type: "pkcs8",
            format: "pem",
            cipher: "aes-256-cbc",
            passphrase: SECRET,
          }),
        ),
        contentType: PEM_CONTENT_TYPE,
      }),
      "pem",
      "ENCRYPTED PRIVATE KEY",
    ],
    [
      "a corrupt certificate",
      () => ({
        value: "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n",
        contentType: PEM_CONTENT_TYPE,
      }),
      "pem",
      "not valid X.509",
    ],
  ])("%s", (_title, secret, format, fragment) => {
    const s = secret();
    const message = contentErrorOf(() => secretContent(s, { format, encoding: "utf-8" }));
    expect(message).toContain(fragment);
    expect(message).not.toContain(SECRET);
  });
});

test(
  "pem keeps each certificate's exact bytes where forge would rebuild them (RSA signature algorithm without " +
    "NULL parameters)",
  async () => {
    const key = generateKeyPair("RSA-2048").privateKey;
    const issued = forge.asn1.fromDer(
      (await issueCertificate({ subject: "CN=no-null-params", subjectKey: key })).toString("binary"),
    );
    // Drop the optional NULL from both signature algorithm fields (tbs first: it has a version, so it is the third
    // field).
    const [tbs, outerAlgorithm] = issued.value as forge.asn1.Asn1[];
    for (const algorithm of [(tbs.value as forge.asn1.Asn1[])[2], outerAlgorithm])
      (algorithm.value as forge.asn1.Asn1[]).splice(1);
    const der = Buffer.from(forge.asn1.toDer(issued).getBytes(), "binary");
    const text = pem(pkcs12Secret(key, [der]));
    expect(new X509Certificate(pemBlocks(text)[1].text).raw).toEqual(der);
  },
);
