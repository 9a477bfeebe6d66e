// The training call behind the executable's code cache (scripts/buildExecutable.mjs):
// `tsx scripts/trainingMount.ts <seaMain.cjs> <bundle> <cache file>` runs one mount of a
// secret, a key and a certificate against the local stand-in of Azure (standin/), the same servers
// the end-to-end tests use, and writes the bundle's code cache when that call exits.
//
// V8 caches only the functions compiled by then, so a call that gets as far as a real
// mount caches the token request, the Key Vault clients and the file writing too, which
// a call stopped at option validation leaves to be compiled on every mount (about 25 ms
// of a single-secret mount, 149 -> 124 ms with hyperfine; docs/performance.md). Without
// root the mount command itself fails after every object was fetched; the cache then
// lacks only that last step.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateCertificateChain, generateKeyPair } from "../standin/fixtures";
import { kubeletOptions, makeVolumeDir } from "../standin/kubeletCall";
import { unmountUnder } from "../standin/mounts";
import { startAzureStandIn } from "../standin/standIn";

const OBJECTS = [
  { name: "training-secret", type: "secret" },
  { name: "training-key", type: "key" },
  { name: "training-cert", type: "cert" },
];

async function main(): Promise<void> {
  const [seaMain, bundle, cacheFile] = process.argv.slice(2);
  if (!cacheFile) throw new Error("usage: tsx scripts/trainingMount.ts <seaMain.cjs> <bundle> <cache file>");
  const azure = await startAzureStandIn();
  const root = mkdtempSync(join(tmpdir(), "kv-training-"));
  try {
    const sp = azure.addServicePrincipal();
    const vault = azure.addVault("training");
    // Not a secret: made-up material for a vault that lives only for this call.
    vault.addSecret("training-secret", "training-value");
    vault.addKey("training-key", generateKeyPair("RSA-2048").privateKey);
    const tls = await generateCertificateChain("RSA-2048", "CN=training.example");
    vault.addCertificate("training-cert", { leaf: tls.leaf, chain: tls.chain, key: tls.leafKey.privateKey });
    vault.grant(sp.clientId);

    const dir = makeVolumeDir(root);
    const options = kubeletOptions(
      {
        keyvaultname: "training",
        keyvaultobjectnames: OBJECTS.map((o) => o.name).join(";"),
        keyvaultobjecttypes: OBJECTS.map((o) => o.type).join(";"),
        tenantid: azure.tenantId,
      },
      sp,
    );
    // Asynchronous: the stand-in answering the call lives in this process.
    const answer = await new Promise<string>((done) =>
      execFile(
        process.execPath,
        [seaMain, bundle, cacheFile, "mount", dir, JSON.stringify(options)],
        { env: { ...process.env, ...azure.env, KV_DRIVER_LOG: "/dev/null", KV_STATE_DIR: join(root, "state") } },
        (_, stdout, stderr) => done(`${stdout}${stderr}`),
      ),
    );
    const served = azure.stats("keyvault").requests;
    if (!existsSync(cacheFile) || served < OBJECTS.length) {
      throw new Error(`the training mount fetched ${served} of ${OBJECTS.length} objects: ${answer}`);
    }
  } finally {
    // The volume, and the driver's private staging root under KV_STATE_DIR.
    unmountUnder(root);
    rmSync(root, { recursive: true, force: true });
    await azure.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`training mount: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
