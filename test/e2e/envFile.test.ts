// envfile through the bundled CLI: the file a real `sh` sources, values compared byte for byte
// with what the vault holds, however they are quoted; and a value no shell can hold.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { generateCertificateChain } from "../../standin/fixtures";
import { kubeletOptions } from "../../standin/kubeletCall";
import { findMount } from "../../standin/mounts";
import { derToPem } from "../../standin/x509";
import { expectSingleJson } from "../support/driver";
import { testWithGid } from "../support/idMap";
import { standInSuite } from "../support/suite";

/** Values a shell line must carry unchanged. */
const VALUES: Record<string, string> = {
  quotes: `it's "quoted" '' \\'`,
  newlines: "line one\nline two\n\n",
  dollar: "$HOME ${PATH} $(id) $1",
  backticks: "`id` `rm -rf /`",
  unicode: "pässwörd ✓ 秘密 🔑",
  empty: "",
};

const suite = standInSuite();
let certificatePem: string;

beforeAll(async () => {
  for (const [name, value] of Object.entries(VALUES)) suite.vault.addSecret(name, value);
  suite.vault.addSecret("with-nul", "before\0after-never-shown");
  const tls = await generateCertificateChain("EC-P-256", "CN=env.contoso.com");
  suite.vault.addCertificate("tls", { leaf: tls.leaf, chain: tls.chain, key: tls.leafKey.privateKey });
  certificatePem = derToPem(tls.leaf);
});

async function mount(options: Record<string, string>, kubeletKeys: Record<string, string> = {}) {
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

/** What `. <file>` in sh sets, each variable's bytes as hex (so trailing newlines survive). */
function sourced(file: string, names: string[]): Record<string, string> {
  const script =
    `. "$1" && for name in ${names.join(" ")}; do eval "printf '%s' \\"\\$$name\\"" | od -An -tx1 ` +
    `| tr -d ' \\n'; echo; done`;
  const run = spawnSync("sh", ["-c", script, "sh", file], { encoding: "utf8", env: { PATH: process.env.PATH } });
  expect(run.stderr).toBe("");
  const lines = run.stdout.split("\n");
  return Object.fromEntries(names.map((name, i) => [name, Buffer.from(lines[i], "hex").toString("utf8")]));
}

testWithGid(3000)("sh sources the env file and gets every value exactly as the vault holds it", async () => {
  const names = Object.keys(VALUES);
  const { volume, answer } = await mount(
    {
      keyvaultobjectnames: [...names, "tls"].join(";"),
      keyvaultobjecttypes: [...names.map(() => "secret"), "cert"].join(";"),
      keyvaultobjectformats: [...names.map(() => ""), "pem"].join(";"),
      keyvaultobjectenvnames: [...names.map(() => ""), "TLS_CERT"].join(";"),
      envfile: ".env",
      filepermission: "0440",
    },
    { "kubernetes.io/mounterArgs.FsGroup": "3000" },
  );
  expect(answer).toEqual({ status: "Success" });

  const variables = sourced(join(volume.dir, ".env"), [...names.map((name) => name.toUpperCase()), "TLS_CERT"]);
  expect(variables).toEqual({
    ...Object.fromEntries(names.map((name) => [name.toUpperCase(), VALUES[name]])),
    TLS_CERT: certificatePem,
  });
  // The env file is one more file of the volume: same mode and group as the others.
  for (const name of readdirSync(volume.dir)) {
    const stat = statSync(join(volume.dir, name));
    expect([name, stat.mode & 0o7777, stat.gid]).toEqual([name, 0o440, 3000]);
  }
});

test("a value a shell line cannot carry (NUL) fails the mount, naming the object, and nothing is mounted", async () => {
  const { volume, answer } = await mount({
    keyvaultobjectnames: "quotes;with-nul",
    keyvaultobjecttypes: "secret;secret",
    envfile: ".env",
  });
  expect(answer.status).toBe("Failure");
  expect(String(answer.message)).toContain(
    "secret/with-nul: invalid content: cannot go into env file .env: its content holds a NUL character",
  );
  expect(String(answer.message)).not.toContain("never-shown");
  expect(suite.kubelet.log(volume)).not.toContain("never-shown");
  expect(findMount(volume.dir)).toBeUndefined();
});

test("a bad variable name is refused before anything is fetched", async () => {
  suite.azure.resetStats();
  const { volume, answer } = await mount({
    keyvaultobjectnames: "quotes",
    keyvaultobjecttypes: "secret",
    envfile: ".env",
    keyvaultobjectenvnames: "MY-VAR",
  });
  expect(answer).toEqual({
    status: "Failure",
    message: expect.stringContaining(
      'option keyvaultobjectenvnames: entry 1 ("MY-VAR") for secret "quotes" is not a valid environment variable name',
    ),
  });
  expect(suite.azure.stats("keyvault").requests).toBe(0);
  expect(findMount(volume.dir)).toBeUndefined();
});
