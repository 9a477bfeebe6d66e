// `npm run demo`: the driver mounting a Key Vault volume exactly as kubelet would
// call it, against local stand-ins for Azure (standin/).
//
// Mounting a tmpfs needs root: `npm run demo` runs this through scripts/asRoot.mjs.
import { X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateCertificateChain, generateKeyPair } from "../standin/fixtures";
import { makeVolumeDir } from "../standin/kubeletCall";
import { findMount, unmountUnder } from "../standin/mounts";
import { startAzureStandIn } from "../standin/standIn";
import { driverPath, runDriver } from "../test/support/driver";
import { demoWorkloadIdentity } from "./demoWorkloadIdentity";

const DEMO_SECRET = "correct-horse-battery-staple (a demo value)";
const b64 = (s: string) => Buffer.from(s).toString("base64");

async function main(): Promise<void> {
  if (!existsSync(driverPath())) {
    console.error(`${driverPath()} is missing: run \`npm run build\` first.`);
    process.exit(1);
  }

  const azure = await startAzureStandIn();
  const work = mkdtempSync(join(tmpdir(), "kv-demo-"));
  const podUid = "0f6a7c1e-5b2d-4d0e-9a31-7c4d2b8e9f10";
  const dir = makeVolumeDir(work, "secrets", podUid);
  const env = { ...azure.env, KV_DRIVER_LOG: join(work, "kv-driver.log"), KV_STATE_DIR: join(work, "state") };
  let mounted = false;
  try {
    // Azure: a service principal allowed to read a vault holding one object of each type.
    const sp = azure.addServicePrincipal();
    const vault = azure.addVault("demo-vault");
    vault.addSecret("db-password", DEMO_SECRET);
    vault.addKey("signing-key", generateKeyPair("RSA-2048").privateKey);
    const chain = await generateCertificateChain("RSA-2048", "CN=demo.example.com");
    vault.addCertificate("web-tls", { leaf: chain.leaf, chain: chain.chain, key: chain.leafKey.privateKey });
    vault.grant(sp.clientId);

    // kubelet: creates the volume directory, then calls the driver with the pod's
    // volume options merged over its own keys (secretRef values base64-encoded).
    const options = {
      "kubernetes.io/fsType": "",
      "kubernetes.io/readwrite": "rw",
      "kubernetes.io/pod.name": "demo-pod",
      "kubernetes.io/pod.namespace": "default",
      "kubernetes.io/pod.uid": podUid,
      "kubernetes.io/pvOrVolumeName": "secrets",
      "kubernetes.io/serviceAccount.name": "default",
      "kubernetes.io/secret/clientid": b64(sp.clientId),
      "kubernetes.io/secret/clientsecret": b64(sp.clientSecret),
      keyvaultname: "demo-vault",
      keyvaultobjectnames: "db-password;signing-key;web-tls",
      keyvaultobjecttypes: "secret;key;cert",
      keyvaultobjectaliases: "db-password;signing-key;web-tls.cer",
      tenantid: azure.tenantId,
    };
    const shown = { ...options, "kubernetes.io/secret/clientsecret": "<redacted>" };
    console.log(`$ kv mount ${dir} '${JSON.stringify(shown, null, 2)}'`);

    const mount = await runDriver(["mount", dir, JSON.stringify(options)], env);
    console.log(`driver answered (exit ${mount.code}): ${mount.combined.trim()}\n`);
    mounted = mount.code === 0;
    if (!mounted) {
      console.log(`the driver's log: ${env.KV_DRIVER_LOG}`);
      // The demo's exit status is the mount's: a newcomer's script or CI sees the failure.
      process.exitCode = 1;
      return;
    }

    const m = findMount(dir);
    if (m) {
      const mode = m.mode !== undefined ? m.mode.toString(8) : "?";
      console.log(
        `mounted: ${m.fsType}, mode=${mode}, size=${m.superOptions.size ?? "?"}, ${m.mountOptions.join(",")}`,
      );
    }
    console.log(`files in ${dir}:`);
    for (const name of readdirSync(dir).sort()) {
      const st = statSync(join(dir, name));
      console.log(`  ${(st.mode & 0o7777).toString(8).padStart(4, "0")}  ${String(st.size).padStart(6)} B  ${name}`);
    }
    console.log();
    console.log(`db-password (secret value): ${readFileSync(join(dir, "db-password"), "utf8")}`);
    const n = readFileSync(join(dir, "signing-key"), "utf8");
    console.log(`signing-key (RSA key): the JWK modulus n, base64url text, ${n.length} chars (${n.slice(0, 16)}...)`);
    const cert = new X509Certificate(readFileSync(join(dir, "web-tls.cer")));
    console.log(
      `web-tls.cer (certificate): DER, subject ${cert.subject}, issuer ${cert.issuer}, valid to ${cert.validTo}`,
    );
    console.log();
    await demoWorkloadIdentity(azure, vault, work, env);
  } finally {
    if (mounted) {
      console.log(`$ kv unmount ${dir}`);
      const unmount = await runDriver(["unmount", dir], env);
      console.log(`driver answered (exit ${unmount.code}): ${unmount.combined.trim()}`);
      const stillMounted = findMount(dir) !== undefined;
      console.log(stillMounted ? "the tmpfs is STILL mounted" : "the tmpfs is gone");
      if (unmount.code !== 0 || stillMounted) process.exitCode = 1;
    }
    await azure.close();
    if (!findMount(dir)) {
      unmountUnder(work); // the driver's private staging root, under KV_STATE_DIR
      rmSync(work, { recursive: true, force: true });
    }
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
