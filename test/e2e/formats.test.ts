// Formats, encodings, file modes and fsGroup through the bundled CLI, on a real tmpfs, against
// the Key Vault stand-in holding real keys and certificate chains. Defaults stay the Go driver's
// bytes (mount.test.ts); these are the opt-in ones.
import { spawnSync } from "node:child_process";
import { createPublicKey, X509Certificate } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { connect, createServer, type SecureContextOptions } from "node:tls";
import forge from "node-forge";
import { PEM_CONTENT_TYPE } from "../../standin/certPackaging";
import { generateCertificateChain, generateKeyPair, type CertificateChain, type KeyPair } from "../../standin/fixtures";
import { kubeletOptions } from "../../standin/kubeletCall";
import { findMount } from "../../standin/mounts";
import { derToPem } from "../../standin/x509";
import { expectSingleJson } from "../support/driver";
import { describeWithGid } from "../support/idMap";
import type { PodVolume } from "../support/kubelet";
import { expectKeyLeafChain } from "../support/pemBundle";
import { standInSuite } from "../support/suite";
import { pattern } from "../support/pattern";

const PASSWORD = "plain-secret-value-never-shown-7c1e";
const BINARY = Buffer.from([0x00, 0xff, 0xfe, 0x0a, 0x80, 0x41]);

const suite = standInSuite();
let rsaTls: CertificateChain;
let ecTls: CertificateChain;
let rsa: KeyPair;
let ec: KeyPair;

beforeAll(async () => {
  const { vault } = suite;
  rsaTls = await generateCertificateChain("RSA-2048", "CN=web.contoso.com");
  ecTls = await generateCertificateChain("EC-P-384", "CN=edge.contoso.com");
  vault.addCertificate("web-tls", { leaf: rsaTls.leaf, chain: rsaTls.chain, key: rsaTls.leafKey.privateKey });
  vault.addCertificate(
    "edge-tls",
    { leaf: ecTls.leaf, chain: ecTls.chain, key: ecTls.leafKey.privateKey },
    { contentType: PEM_CONTENT_TYPE },
  );
  rsa = generateKeyPair("RSA-2048");
  ec = generateKeyPair("EC-P-521");
  vault.addKey("signing-rsa", rsa.privateKey);
  vault.addKey("signing-ec", ec.privateKey);
  vault.addSecret("blob-base64", BINARY.toString("base64"));
  vault.addSecret("blob-hex", BINARY.toString("hex"));
  vault.addSecret("db-password", PASSWORD);
});

/** `kubeletKeys` are kubelet's own (fsGroup); merged like the pod's options, which is all the same to the driver. */
async function mount(
  options: Record<string, string>,
  kubeletKeys: Record<string, string> = {},
): Promise<{ volume: PodVolume; answer: Record<string, unknown> }> {
  const volume = suite.kubelet.newVolume();
  const result = await suite.kubelet.mount(
    volume,
    kubeletOptions(
      { keyvaultname: "contoso-kv", tenantid: suite.azure.tenantId, ...options, ...kubeletKeys },
      suite.sp,
    ),
  );
  return { volume, answer: expectSingleJson(result.combined) };
}

const file = (volume: PodVolume, name: string) => readFileSync(join(volume.dir, name));

/** What a client trusting only `tls`'s root hears from a TLS server set up with `identity`. */
async function replyOfTlsServer(
  identity: SecureContextOptions,
  servername: string,
  tls: CertificateChain,
): Promise<string> {
  const server = createServer(identity, (socket) => socket.end("hello"));
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise<string>((done, fail) => {
      const client = connect({ host: "127.0.0.1", port, servername, ca: derToPem(tls.root) }, () =>
        client.once("data", (data) => done(String(data))),
      );
      client.on("error", fail);
    });
  } finally {
    server.close();
  }
}

describeWithGid(2000)("a mount with every format and encoding, filepermission 0600 and an fsGroup", () => {
  let volume: PodVolume;
  beforeAll(async () => {
    const objects: [string, string, string, string, string][] = [
      // name, type, alias, format, encoding
      ["web-tls", "secret", "web.pem", "pem", ""],
      ["web-tls", "secret", "web.pfx", "pfx", ""],
      ["edge-tls", "secret", "edge.pem", "PEM", ""],
      ["edge-tls", "secret", "edge.pfx", "pfx", ""],
      ["web-tls", "cert", "web.crt", "pem", ""],
      ["signing-rsa", "key", "rsa.pub", "pem", ""],
      ["signing-ec", "key", "ec.pub", "pem", ""],
      ["blob-base64", "secret", "blob-from-base64", "", "base64"],
      ["blob-hex", "secret", "blob-from-hex", "", "hex"],
      ["db-password", "secret", "password", "", "utf-8"],
    ];
    const column = (i: number) => objects.map((o) => o[i]).join(";");
    const mounted = await mount(
      {
        keyvaultobjectnames: column(0),
        keyvaultobjecttypes: column(1),
        keyvaultobjectaliases: column(2),
        keyvaultobjectformats: column(3),
        keyvaultobjectencodings: column(4),
        filepermission: "0600",
      },
      { "kubernetes.io/mounterArgs.FsGroup": "2000" },
    );
    expect(mounted.answer).toEqual({ status: "Success" });
    volume = mounted.volume;
  });

  it("writes a PKCS#12-backed certificate as PEM: key, leaf, chain", () => {
    expectKeyLeafChain(file(volume, "web.pem").toString(), rsaTls);
  });

  it(
    "writes a PEM that a TLS server takes as both key and certificate, verified by a client trusting only " +
      "the root",
    async () => {
      const bundle = file(volume, "web.pem");
      expect(await replyOfTlsServer({ key: bundle, cert: bundle }, "web.contoso.com", rsaTls)).toBe("hello");
    },
  );

  it("writes a PEM-backed EC certificate as PEM: key, leaf, chain", () => {
    expectKeyLeafChain(file(volume, "edge.pem").toString(), ecTls);
  });

  it("writes the PKCS#12 file as Key Vault holds it, and it opens with the empty password", () => {
    const pfx = file(volume, "web.pfx");
    const stored = suite.vault.find("secret", "web-tls")?.body as { value: string };
    expect(pfx).toEqual(Buffer.from(stored.value, "base64"));
    const opened = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(pfx.toString("binary")), "");
    const certificates = opened.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [];
    expect(certificates).toHaveLength(3);
  });

  it("writes a PKCS#12 file for a certificate imported as PEM, which openssl opens without -legacy", () => {
    const pfxFile = join(volume.dir, "edge.pfx");
    const info = spawnSync("openssl", ["pkcs12", "-in", pfxFile, "-info", "-nokeys", "-passin", "pass:"], {
      encoding: "utf8",
    });
    expect(info.stderr).toMatch(/MAC: sha256, Iteration \d+/);
    expect(info.stderr).toMatch(/Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration \d+, PRF hmacWithSHA256/);
    expect(info.status).toBe(0);
    const keyOut = spawnSync("openssl", ["pkcs12", "-in", pfxFile, "-nocerts", "-nodes", "-passin", "pass:"], {
      encoding: "utf8",
    });
    expect(keyOut.status).toBe(0);
    expect(createPublicKey(keyOut.stdout).export({ format: "jwk" })).toEqual(
      createPublicKey(ecTls.leafKey.privateKey).export({ format: "jwk" }),
    );
    const certificates = [...info.stdout.matchAll(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g)].map(
      (m) => new X509Certificate(m[0]).raw,
    );
    expect(certificates).toEqual([ecTls.leaf, ...ecTls.chain]);
  });

  it(
    "writes a PKCS#12 file for a PEM-imported certificate that a Node TLS server serves, verified by a client " +
      "trusting only the root",
    async () => {
      expect(await replyOfTlsServer({ pfx: file(volume, "edge.pfx") }, "edge.contoso.com", ecTls)).toBe("hello");
    },
  );

  it("writes the certificate as PEM of its DER, and keys as PEM matching their JWK", () => {
    expect(new X509Certificate(file(volume, "web.crt")).raw).toEqual(rsaTls.leaf);
    expect(file(volume, "web.crt").toString()).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    expect(createPublicKey(file(volume, "rsa.pub")).export({ format: "jwk" })).toEqual(rsa.publicJwk);
    expect(createPublicKey(file(volume, "ec.pub")).export({ format: "jwk" })).toEqual(ec.publicJwk);
  });

  it("decodes base64 and hex secrets to their bytes, and keeps utf-8 ones as they are", () => {
    expect(file(volume, "blob-from-base64")).toEqual(BINARY);
    expect(file(volume, "blob-from-hex")).toEqual(BINARY);
    expect(file(volume, "password").toString()).toBe(PASSWORD);
  });

  it("gives every file mode 0640 (0600 made group-readable) and the fsGroup as group", () => {
    const names = readdirSync(volume.dir);
    expect(names).toHaveLength(10);
    for (const name of names) {
      const stat = statSync(join(volume.dir, name));
      expect([name, stat.mode & 0o7777, stat.gid]).toEqual([name, 0o640, 2000]);
    }
  });
});

test("filepermission without an fsGroup is applied as given, files owned by root's group", async () => {
  const { volume, answer } = await mount({
    keyvaultobjectnames: "db-password",
    keyvaultobjecttypes: "secret",
    filepermission: "440",
  });
  expect(answer).toEqual({ status: "Success" });
  const stat = statSync(join(volume.dir, "db-password"));
  expect([stat.mode & 0o7777, stat.gid]).toEqual([0o440, 0]);
});

describe("content that cannot become the file asked for fails the mount, naming the object", () => {
  it.each<[string, Record<string, string>, string]>([
    [
      "pem of a plain secret",
      { keyvaultobjectnames: "db-password", keyvaultobjecttypes: "secret", keyvaultobjectformats: "pem" },
      "secret/db-password: invalid content: the secret's content type is not set",
    ],
    [
      "base64 of a value that is not base64",
      {
        keyvaultobjectnames: "blob-base64;db-password",
        keyvaultobjecttypes: "secret;secret",
        keyvaultobjectencodings: ";base64",
      },
      "secret/db-password: invalid content: the secret's value is not base64 text",
    ],
  ])("%s", async (_title, options, expected) => {
    const { volume, answer } = await mount(options);
    expect(answer.status).toBe("Failure");
    expect(String(answer.message)).toContain("1 object(s) could not be fetched from key vault contoso-kv");
    expect(String(answer.message)).toContain(expected);
    expect(String(answer.message)).not.toContain(PASSWORD);
    expect(suite.kubelet.log(volume)).not.toContain(PASSWORD);
    expect(findMount(volume.dir)).toBeUndefined();
  });
});

test("a format that does not fit the type is refused before anything is fetched", async () => {
  suite.azure.resetStats();
  const { volume, answer } = await mount({
    keyvaultobjectnames: "signing-rsa",
    keyvaultobjecttypes: "key",
    keyvaultobjectformats: "pfx",
  });
  expect(answer).toEqual({
    status: "Failure",
    message: expect.stringMatching(
      pattern(
        /^/,
        'invalid volume options: option keyvaultobjectformats: entry 1 ("pfx") does not fit key "signing-rsa"; ',
        "formats by type: secret: pem or pfx",
      ),
    ),
  });
  expect(suite.azure.stats("keyvault").requests).toBe(0);
  expect(findMount(volume.dir)).toBeUndefined();
});
