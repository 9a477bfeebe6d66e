// kubelet's mount and unmount of a real tmpfs, against the local Azure stand-ins, for
// every identity and a second cloud. File contents must be byte-for-byte those of the
// Go driver v0.0.17.
import { createPublicKey, X509Certificate } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { expectSingleJson } from "../support/driver";
import { generateCertificateChain, generateKeyPair, type CertificateChain, type KeyPair } from "../support/fixtures";
import type { ServicePrincipal } from "../support/identities";
import { Kubelet, kubeletOptions, type PodVolume } from "../support/kubelet";
import { findMount } from "../support/mounts";
import { startAzureStandIn, type AzureStandIn } from "../support/standIn";
import type { Vault } from "../support/vault";

const SECRET = "p@ss word\nwith ünïcode";
const OLD_SECRET = "the first version";

let azure: AzureStandIn;
let kubelet: Kubelet;
let sp: ServicePrincipal;
let vault: Vault;
let rsa: KeyPair;
let ec: KeyPair;
let tls: CertificateChain;
let oldVersion: string;

beforeAll(async () => {
  azure = await startAzureStandIn();
  kubelet = new Kubelet(azure.env);
  sp = azure.addServicePrincipal();
  vault = azure.addVault("contoso-kv");
  oldVersion = vault.addSecret("db-password", OLD_SECRET);
  vault.addSecret("db-password", SECRET);
  rsa = generateKeyPair("RSA-2048");
  ec = generateKeyPair("EC-P-256");
  vault.addKey("signing-rsa", rsa.privateKey);
  vault.addKey("signing-ec", ec.privateKey);
  tls = await generateCertificateChain("RSA-2048", "CN=web.contoso.com");
  vault.addCertificate("web-tls", { leaf: tls.leaf, chain: tls.chain, key: tls.leafKey.privateKey });
  vault.grant(sp.clientId);
});

afterAll(async () => {
  kubelet.cleanUp();
  await azure.close();
});

const objects = {
  keyvaultname: "contoso-kv",
  keyvaultobjectnames: "db-password;signing-rsa;signing-ec;web-tls",
  keyvaultobjecttypes: "secret;key;key;cert",
};

function files(volume: PodVolume): Record<string, Buffer> {
  return Object.fromEntries(readdirSync(volume.dir).map((name) => [name, readFileSync(join(volume.dir, name))]));
}

async function mountOk(volume: PodVolume, options: Record<string, string>): Promise<void> {
  const result = await kubelet.mount(volume, options);
  expect(expectSingleJson(result.combined)).toEqual({ status: "Success" });
  expect(result.code).toBe(0);
}

describe("a service-principal mount", () => {
  let volume: PodVolume;
  beforeAll(async () => {
    volume = kubelet.newVolume();
    await mountOk(volume, kubeletOptions({ ...objects, tenantid: azure.tenantId }, sp));
  });

  it("is a tmpfs with mode 0755 and a size bound", () => {
    const mount = findMount(volume.dir);
    expect(mount?.fsType).toBe("tmpfs");
    expect(mount?.mode).toBe(0o755);
    expect(mount?.sizeBytes).toBeGreaterThan(0);
    expect(mount?.sizeBytes).toBeLessThanOrEqual(4 * 1024 * 1024);
  });

  it("holds exactly the Go driver's bytes: secret value, RSA n text, EC public key PEM, certificate DER", () => {
    const written = files(volume);
    expect(Object.keys(written).sort()).toEqual(["db-password", "signing-ec", "signing-rsa", "web-tls"]);
    expect(written["db-password"]).toEqual(Buffer.from(SECRET, "utf8"));
    expect(written["signing-rsa"].toString("ascii")).toBe(rsa.publicJwk.n);
    expect(written["signing-ec"].toString()).toBe(createPublicKey(ec.privateKey).export({ type: "spki", format: "pem" }));
    expect(written["web-tls"]).toEqual(tls.leaf);
    expect(new X509Certificate(written["web-tls"]).subject).toBe("CN=web.contoso.com");
  });

  it("writes every file with mode 0644", () => {
    for (const name of readdirSync(volume.dir)) expect(statSync(join(volume.dir, name)).mode & 0o7777).toBe(0o644);
  });

  it("succeeds again without fetching when the directory is already mounted", async () => {
    azure.resetStats();
    await mountOk(volume, kubeletOptions({ ...objects, tenantid: azure.tenantId }, sp));
    expect(azure.stats("keyvault").requests).toBe(0);
    expect(azure.stats("aad").requests).toBe(0);
  });

  it("never writes the secret value, client secret or a token to the log", () => {
    const log = kubelet.log(volume);
    expect(log).toContain('"event":"mounted"');
    for (const secret of [SECRET, sp.clientSecret, Buffer.from(sp.clientSecret).toString("base64"), "Bearer "]) expect(log).not.toContain(secret);
  });

  it("unmounts, removes the directory, and unmounts again happily", async () => {
    expect(expectSingleJson((await kubelet.unmount(volume)).combined)).toEqual({ status: "Success" });
    expect(findMount(volume.dir)).toBeUndefined();
    expect(existsSync(volume.dir)).toBe(false);
    expect((await kubelet.unmount(volume)).json).toEqual({ status: "Success" });
  });
});

test("aliases name the files and a pinned version is fetched, an empty entry meaning latest", async () => {
  const volume = kubelet.newVolume();
  await mountOk(
    volume,
    kubeletOptions(
      {
        keyvaultname: "contoso-kv",
        keyvaultobjectnames: "db-password;db-password",
        keyvaultobjecttypes: "secret;secret",
        keyvaultobjectaliases: "password-v1.txt;password",
        keyvaultobjectversions: `${oldVersion};`,
        tenantid: azure.tenantId,
      },
      sp,
    ),
  );
  expect(files(volume)).toEqual({ "password-v1.txt": Buffer.from(OLD_SECRET), password: Buffer.from(SECRET) });
});

test("the legacy singular keys of old manifests still work", async () => {
  const volume = kubelet.newVolume();
  await mountOk(volume, kubeletOptions({ keyvaultname: "contoso-kv", keyvaultobjectname: "db-password", keyvaultobjecttype: "secret", keyvaultobjectversion: oldVersion, tenantid: azure.tenantId, resourcegroup: "rg", subscriptionid: "sub" }, sp));
  expect(files(volume)).toEqual({ "db-password": Buffer.from(OLD_SECRET) });
});

test("pod identity gets its token from NMI with the pod's name and namespace", async () => {
  const identity = azure.addManagedIdentity();
  azure.addPodIdentity("shop", "cart-7d9f", identity.clientId);
  vault.grant(identity.clientId, "secret");
  azure.resetStats();
  const volume = kubelet.newVolume();
  await mountOk(volume, kubeletOptions({ keyvaultname: "contoso-kv", keyvaultobjectnames: "db-password", keyvaultobjecttypes: "secret", tenantid: azure.tenantId, usepodidentity: "true", nmiport: String(azure.nmiPort) }, undefined, { name: "cart-7d9f", namespace: "shop" }));
  expect(files(volume)).toEqual({ "db-password": Buffer.from(SECRET) });
  expect(azure.stats("nmi").requests).toBe(1);
  expect(azure.stats("aad").requests).toBe(0);
});

test.each([
  ["system-assigned", undefined],
  ["user-assigned", "9c1f7a52-3b4e-4d6a-8f0b-2e1d3c4b5a69"],
])("the node's %s managed identity gets its token from IMDS", async (_kind, clientId?: string) => {
  const identity = azure.addManagedIdentity(clientId ? { clientId } : { systemAssigned: true });
  vault.grant(identity.clientId, "cert");
  azure.resetStats();
  const volume = kubelet.newVolume();
  const clientIdOption: Record<string, string> = clientId ? { vmmanagedidentityclientid: clientId } : {};
  await mountOk(volume, kubeletOptions({ keyvaultname: "contoso-kv", keyvaultobjectnames: "web-tls", keyvaultobjecttypes: "cert", tenantid: azure.tenantId, usevmmanagedidentity: "true", ...clientIdOption }));
  expect(files(volume)).toEqual({ "web-tls": tls.leaf });
  expect(azure.stats("imds").requests).toBe(1);
});

test("a vault in AzureChinaCloud is reached through China's login and vault hosts", async () => {
  const china = azure.addVault("contoso-cn", { cloud: "AzureChinaCloud" });
  china.addSecret("db-password", "in china");
  china.grant(sp.clientId);
  azure.resetStats();
  const volume = kubelet.newVolume();
  await mountOk(volume, kubeletOptions({ keyvaultname: "contoso-cn", keyvaultobjectnames: "db-password", keyvaultobjecttypes: "secret", tenantid: azure.tenantId, cloudname: "AzureChinaCloud" }, sp));
  expect(files(volume)).toEqual({ "db-password": Buffer.from("in china") });
  const hosts = new Set(azure.requests.filter((r) => r.service !== "proxy").map((r) => r.host));
  expect(hosts).toEqual(new Set(["contoso-cn.vault.azure.cn", "login.partner.microsoftonline.cn"]));
});

test("an AzureStackCloud vault is found through the environment file", async () => {
  const stack = await startAzureStandIn({ azureStack: { loginHost: "login.stack.contoso.local", vaultDnsSuffix: "vault.stack.contoso.local" } });
  const stackKubelet = new Kubelet(stack.env);
  try {
    const stackSp = stack.addServicePrincipal();
    const stackVault = stack.addVault("edge-kv", { cloud: "AzureStackCloud" });
    stackVault.addSecret("db-password", "on the edge");
    stackVault.grant(stackSp.clientId);
    const volume = stackKubelet.newVolume();
    const result = await stackKubelet.mount(volume, kubeletOptions({ keyvaultname: "edge-kv", keyvaultobjectnames: "db-password", keyvaultobjecttypes: "secret", tenantid: stack.tenantId, cloudname: "AzureStackCloud" }, stackSp));
    expect(expectSingleJson(result.combined)).toEqual({ status: "Success" });
    expect(readFileSync(join(volume.dir, "db-password"), "utf8")).toBe("on the edge");
  } finally {
    stackKubelet.cleanUp();
    await stack.close();
  }
});
