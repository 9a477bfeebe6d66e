// kubelet's mount and unmount of a real tmpfs, against the local Azure stand-ins, for
// every identity and a second cloud. File contents must be byte-for-byte those of the
// Go driver v0.0.17.
import { createPublicKey, X509Certificate } from "node:crypto";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { generateCertificateChain, generateKeyPair, type CertificateChain, type KeyPair } from "../../standin/fixtures";
import { kubeletOptions } from "../../standin/kubeletCall";
import { findMount, mountsAt } from "../../standin/mounts";
import { startAzureStandIn } from "../../standin/standIn";
import { expectSingleJson } from "../support/driver";
import { Kubelet, type PodVolume } from "../support/kubelet";
import { standInSuite } from "../support/suite";

const SECRET = "p@ss word\nwith ünïcode";
const OLD_SECRET = "the first version";

const suite = standInSuite();
let rsa: KeyPair;
let ec: KeyPair;
let tls: CertificateChain;
let oldVersion: string;

beforeAll(async () => {
  const { vault } = suite;
  oldVersion = vault.addSecret("db-password", OLD_SECRET);
  vault.addSecret("db-password", SECRET);
  rsa = generateKeyPair("RSA-2048");
  ec = generateKeyPair("EC-P-256");
  vault.addKey("signing-rsa", rsa.privateKey);
  vault.addKey("signing-ec", ec.privateKey);
  tls = await generateCertificateChain("RSA-2048", "CN=web.contoso.com");
  vault.addCertificate("web-tls", { leaf: tls.leaf, chain: tls.chain, key: tls.leafKey.privateKey });
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
  const result = await suite.kubelet.mount(volume, options);
  expect(expectSingleJson(result.combined)).toEqual({ status: "Success" });
  expect(result.code).toBe(0);
}

describe("a service-principal mount", () => {
  let volume: PodVolume;
  beforeAll(async () => {
    volume = suite.kubelet.newVolume();
    await mountOk(volume, kubeletOptions({ ...objects, tenantid: suite.azure.tenantId }, suite.sp));
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
    expect(written["signing-ec"].toString()).toBe(
      createPublicKey(ec.privateKey).export({ type: "spki", format: "pem" }),
    );
    expect(written["web-tls"]).toEqual(tls.leaf);
    expect(new X509Certificate(written["web-tls"]).subject).toBe("CN=web.contoso.com");
  });

  it("writes every file with mode 0644", () => {
    for (const name of readdirSync(volume.dir)) expect(statSync(join(volume.dir, name)).mode & 0o7777).toBe(0o644);
  });

  it("succeeds again without fetching when the directory is already mounted", async () => {
    suite.azure.resetStats();
    await mountOk(volume, kubeletOptions({ ...objects, tenantid: suite.azure.tenantId }, suite.sp));
    expect(suite.azure.stats("keyvault").requests).toBe(0);
    expect(suite.azure.stats("aad").requests).toBe(0);
  });

  it("never writes the secret value, client secret or a token to the log", () => {
    const log = suite.kubelet.log(volume);
    expect(log).toContain('"event":"mounted"');
    for (const secret of [
      SECRET,
      suite.sp.clientSecret,
      Buffer.from(suite.sp.clientSecret).toString("base64"),
      "Bearer ",
    ])
      expect(log).not.toContain(secret);
  });

  it("unmounts, removes the directory, and unmounts again happily", async () => {
    expect(expectSingleJson((await suite.kubelet.unmount(volume)).combined)).toEqual({ status: "Success" });
    expect(findMount(volume.dir)).toBeUndefined();
    expect(existsSync(volume.dir)).toBe(false);
    expect((await suite.kubelet.unmount(volume)).json).toEqual({ status: "Success" });
  });
});

describe("a tmpfs that azure/kv v0.0.17 mounted (plain `mount -t tmpfs tmpfs <dir>`, default options)", () => {
  let volume: PodVolume;
  beforeAll(() => {
    volume = suite.kubelet.newVolume();
    expect(spawnSync("mount", ["-t", "tmpfs", "tmpfs", volume.dir]).status).toBe(0);
    writeFileSync(join(volume.dir, "db-password"), "from the old driver");
  });

  it("counts as mounted: mount succeeds without fetching and leaves it as it is", async () => {
    suite.azure.resetStats();
    await mountOk(volume, kubeletOptions({ ...objects, tenantid: suite.azure.tenantId }, suite.sp));
    expect(suite.azure.requests).toHaveLength(0);
    expect(mountsAt(volume.dir)).toBe(1);
    expect(files(volume)).toEqual({ "db-password": Buffer.from("from the old driver") });
    expect(suite.kubelet.logEvents(volume).map((e) => e.event)).toContain("already-mounted");
  });

  it("is unmounted cleanly by the new driver after an upgrade, its directory removed", async () => {
    const result = await suite.kubelet.unmount(volume);
    expect(expectSingleJson(result.combined)).toEqual({ status: "Success" });
    expect(findMount(volume.dir)).toBeUndefined();
    expect(existsSync(volume.dir)).toBe(false);
    expect(suite.kubelet.logEvents(volume).map((e) => e.event)).toContain("unmounted");
  });
});

describe("a volume whose path goes through a symlink (a node's /var/lib/kubelet may be one)", () => {
  let volume: PodVolume;
  beforeAll(() => {
    const real = suite.kubelet.newVolume();
    const pods = dirname(dirname(dirname(dirname(real.dir))));
    symlinkSync(pods, `${pods}-link`);
    volume = { ...real, dir: real.dir.replace(pods, `${pods}-link`) };
  });

  it("is mounted once, and found mounted the second time without fetching", async () => {
    await mountOk(volume, kubeletOptions({ ...objects, tenantid: suite.azure.tenantId }, suite.sp));
    suite.azure.resetStats();
    await mountOk(volume, kubeletOptions({ ...objects, tenantid: suite.azure.tenantId }, suite.sp));
    expect(suite.azure.stats("keyvault").requests).toBe(0);
    expect(mountsAt(volume.dir)).toBe(1);
  });

  it("is unmounted, and its directory removed", async () => {
    expect((await suite.kubelet.unmount(volume)).json).toEqual({ status: "Success" });
    expect(existsSync(volume.dir)).toBe(false);
  });
});

test("unmount takes down every layer stacked at <dir>, not just the top one", async () => {
  const volume = suite.kubelet.newVolume();
  await mountOk(volume, kubeletOptions({ ...objects, tenantid: suite.azure.tenantId }, suite.sp));
  expect(spawnSync("mount", ["-t", "tmpfs", "-o", "mode=0755", "tmpfs", volume.dir]).status).toBe(0);
  expect(mountsAt(volume.dir)).toBe(2);
  expect((await suite.kubelet.unmount(volume)).json).toEqual({ status: "Success" });
  expect(findMount(volume.dir)).toBeUndefined();
  expect(existsSync(volume.dir)).toBe(false);
  expect(suite.kubelet.log(volume)).toContain('"layers":2');
});

test("aliases name the files and a pinned version is fetched, an empty entry meaning latest", async () => {
  const volume = suite.kubelet.newVolume();
  await mountOk(
    volume,
    kubeletOptions(
      {
        keyvaultname: "contoso-kv",
        keyvaultobjectnames: "db-password;db-password",
        keyvaultobjecttypes: "secret;secret",
        keyvaultobjectaliases: "password-v1.txt;password",
        keyvaultobjectversions: `${oldVersion};`,
        tenantid: suite.azure.tenantId,
      },
      suite.sp,
    ),
  );
  expect(files(volume)).toEqual({ "password-v1.txt": Buffer.from(OLD_SECRET), password: Buffer.from(SECRET) });
});

test("the legacy singular keys of old manifests still work", async () => {
  const volume = suite.kubelet.newVolume();
  await mountOk(
    volume,
    kubeletOptions(
      {
        keyvaultname: "contoso-kv",
        keyvaultobjectname: "db-password",
        keyvaultobjecttype: "secret",
        keyvaultobjectversion: oldVersion,
        tenantid: suite.azure.tenantId,
        resourcegroup: "rg",
        subscriptionid: "sub",
      },
      suite.sp,
    ),
  );
  expect(files(volume)).toEqual({ "db-password": Buffer.from(OLD_SECRET) });
});

test("pod identity gets its token from NMI with the pod's name and namespace", async () => {
  const identity = suite.azure.addManagedIdentity();
  suite.azure.addPodIdentity("shop", "cart-7d9f", identity.clientId);
  suite.vault.grant(identity.clientId, "secret");
  suite.azure.resetStats();
  const volume = suite.kubelet.newVolume();
  await mountOk(
    volume,
    kubeletOptions(
      {
        keyvaultname: "contoso-kv",
        keyvaultobjectnames: "db-password",
        keyvaultobjecttypes: "secret",
        tenantid: suite.azure.tenantId,
        usepodidentity: "true",
        nmiport: String(suite.azure.nmiPort),
      },
      undefined,
      { name: "cart-7d9f", namespace: "shop" },
    ),
  );
  expect(files(volume)).toEqual({ "db-password": Buffer.from(SECRET) });
  expect(suite.azure.stats("nmi").requests).toBe(1);
  expect(suite.azure.stats("aad").requests).toBe(0);
});

test.each([
  ["system-assigned", undefined],
  ["user-assigned", "9c1f7a52-3b4e-4d6a-8f0b-2e1d3c4b5a69"],
])("the node's %s managed identity gets its token from IMDS", async (_kind, clientId?: string) => {
  const identity = suite.azure.addManagedIdentity(clientId ? { clientId } : { systemAssigned: true });
  suite.vault.grant(identity.clientId, "cert");
  suite.azure.resetStats();
  const volume = suite.kubelet.newVolume();
  const clientIdOption: Record<string, string> = clientId ? { vmmanagedidentityclientid: clientId } : {};
  await mountOk(
    volume,
    kubeletOptions({
      keyvaultname: "contoso-kv",
      keyvaultobjectnames: "web-tls",
      keyvaultobjecttypes: "cert",
      tenantid: suite.azure.tenantId,
      usevmmanagedidentity: "true",
      ...clientIdOption,
    }),
  );
  expect(files(volume)).toEqual({ "web-tls": tls.leaf });
  expect(suite.azure.stats("imds").requests).toBe(1);
});

test("a vault in AzureChinaCloud is reached through China's login and vault hosts", async () => {
  const china = suite.azure.addVault("contoso-cn", { cloud: "AzureChinaCloud" });
  china.addSecret("db-password", "in china");
  china.grant(suite.sp.clientId);
  suite.azure.resetStats();
  const volume = suite.kubelet.newVolume();
  await mountOk(
    volume,
    kubeletOptions(
      {
        keyvaultname: "contoso-cn",
        keyvaultobjectnames: "db-password",
        keyvaultobjecttypes: "secret",
        tenantid: suite.azure.tenantId,
        cloudname: "AzureChinaCloud",
      },
      suite.sp,
    ),
  );
  expect(files(volume)).toEqual({ "db-password": Buffer.from("in china") });
  const hosts = new Set(suite.azure.requests.filter((r) => r.service !== "proxy").map((r) => r.host));
  expect(hosts).toEqual(new Set(["contoso-cn.vault.azure.cn", "login.partner.microsoftonline.cn"]));
});

test("an AzureStackCloud vault is found through the environment file", async () => {
  const stack = await startAzureStandIn({
    azureStack: { loginHost: "login.stack.contoso.local", vaultDnsSuffix: "vault.stack.contoso.local" },
  });
  const stackKubelet = new Kubelet(stack.env);
  try {
    const stackSp = stack.addServicePrincipal();
    const stackVault = stack.addVault("edge-kv", { cloud: "AzureStackCloud" });
    stackVault.addSecret("db-password", "on the edge");
    stackVault.grant(stackSp.clientId);
    const volume = stackKubelet.newVolume();
    const result = await stackKubelet.mount(
      volume,
      kubeletOptions(
        {
          keyvaultname: "edge-kv",
          keyvaultobjectnames: "db-password",
          keyvaultobjecttypes: "secret",
          tenantid: stack.tenantId,
          cloudname: "AzureStackCloud",
        },
        stackSp,
      ),
    );
    expect(expectSingleJson(result.combined)).toEqual({ status: "Success" });
    expect(readFileSync(join(volume.dir, "db-password"), "utf8")).toBe("on the edge");
  } finally {
    stackKubelet.cleanUp();
    await stack.close();
  }
});
