// Rotating volumes end to end, as kubelet and the DaemonSet drive them: `kv mount` with
// rotationpollinterval writes kubelet's atomic-writer layout on a real tmpfs and records the
// volume; `kv refresh --once` brings it up to date from the stand-in, all or nothing, with
// one request per shared object; `kv unmount` removes the record.
import { spawnSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  statSync,
  utimesSync,
} from "node:fs";
import { join } from "node:path";
import { expectSingleJson } from "../support/driver";
import { describeWithGid } from "../support/idMap";
import type { PodVolume } from "../support/kubelet";
import { kubeletOptions, type SecretRef } from "../../standin/kubeletCall";
import { findMount } from "../../standin/mounts";
import { lineOf, refreshOnce, refresherEnv } from "../support/refresher";
import { standInSuite } from "../support/suite";
import { recordPath } from "../../src/state/volumeRecords";

const suite = standInSuite();
const env = () =>
  refresherEnv(suite.azure.env, suite.kubelet, {
    KV_DRIVER_LOG: join(suite.kubelet.stateDir, "..", "refresher-must-not-write.log"),
  });

const PASSWORD_V1 = "first password value";
const PASSWORD_V2 = "second password, rotated";

let counter = 0;
/** A fresh secret per test, so tests do not see each other's changes. */
function newSecret(value: string): string {
  const name = `rotating-${++counter}`;
  suite.vault.addSecret(name, value);
  return name;
}

function rotatingOptions(
  names: string[],
  extra: Record<string, string> = {},
  secretRef: SecretRef = suite.sp,
): Record<string, string> {
  return kubeletOptions(
    {
      keyvaultname: "contoso-kv",
      keyvaultobjectnames: names.join(";"),
      keyvaultobjecttypes: names.map(() => "secret").join(";"),
      tenantid: suite.azure.tenantId,
      rotationpollinterval: "10s",
      ...extra,
    },
    secretRef,
  );
}

async function mountOk(volume: PodVolume, options: Record<string, string>): Promise<void> {
  const result = await suite.kubelet.mount(volume, options);
  expect(expectSingleJson(result.combined)).toEqual({ status: "Success" });
}

const read = (volume: PodVolume, name: string) => readFileSync(join(volume.dir, name), "utf8");
const currentSet = (volume: PodVolume) => readlinkSync(join(volume.dir, "..data"));
const keyVaultReadsOf = (name: string) =>
  suite.azure.requests.filter((r) => r.service === "keyvault" && r.target?.name === name).length;

describeWithGid(2345)("a rotating mount", () => {
  let volume: PodVolume;
  let plain: PodVolume;
  let name: string;
  const extra = {
    keyvaultobjectaliases: "password",
    filepermission: "0640",
    "kubernetes.io/mounterArgs.FsGroup": "2345",
  };

  beforeAll(async () => {
    name = newSecret(PASSWORD_V1);
    volume = suite.kubelet.newVolume();
    plain = suite.kubelet.newVolume();
    await mountOk(volume, rotatingOptions([name], extra));
    const { rotationpollinterval: _none, ...plainOptions } = rotatingOptions([name], extra);
    await mountOk(plain, plainOptions);
  });

  it("is kubelet's atomic-writer layout: relative links into ..data, ..data a relative link to a hidden set", () => {
    expect(readdirSync(volume.dir).sort()).toEqual(["..data", currentSet(volume), "password"].sort());
    expect(lstatSync(join(volume.dir, "password")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(volume.dir, "password"))).toBe("..data/password");
    expect(currentSet(volume)).toMatch(/^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.[A-Za-z0-9]{6}$/);
    expect(statSync(join(volume.dir, currentSet(volume))).mode & 0o7777).toBe(0o755);
    expect(findMount(volume.dir)?.fsType).toBe("tmpfs");
  });

  it("holds what a plain mount holds: the same bytes, mode and group", () => {
    const rotated = statSync(join(volume.dir, "password"));
    const written = statSync(join(plain.dir, "password"));
    expect(read(volume, "password")).toBe(PASSWORD_V1);
    expect(readFileSync(join(volume.dir, "password"))).toEqual(readFileSync(join(plain.dir, "password")));
    expect([rotated.mode & 0o7777, rotated.gid]).toEqual([0o640 | 0o040, 2345]);
    expect([written.mode & 0o7777, written.gid]).toEqual([rotated.mode & 0o7777, rotated.gid]);
  });

  it("leaves a volume without the option as plain files, unrecorded", () => {
    expect(readdirSync(plain.dir)).toEqual(["password"]);
    expect(lstatSync(join(plain.dir, "password")).isFile()).toBe(true);
    expect(existsSync(recordPath(realpathSync(plain.dir), { KV_STATE_DIR: suite.kubelet.stateDir }))).toBe(false);
  });

  it("is recorded root-only: a 0700 directory of 0600 files holding the options as kubelet passed them", () => {
    const path = recordPath(realpathSync(volume.dir), { KV_STATE_DIR: suite.kubelet.stateDir });
    const stateDir = suite.kubelet.stateDir;
    for (const dir of [stateDir, join(stateDir, "volumes")]) expect(statSync(dir).mode & 0o7777).toBe(0o700);
    expect(statSync(path).mode & 0o7777).toBe(0o600);
    expect(statSync(path).uid).toBe(0);
    expect(readdirSync(join(stateDir, "volumes"))).toContain(path.split("/").pop());
    const record = JSON.parse(readFileSync(path, "utf8"));
    expect(record).toEqual({ dir: realpathSync(volume.dir), options: rotatingOptions([name], extra) });
  });

  it("keeps the client secret out of the driver's log", () => {
    const log = suite.kubelet.log(volume);
    expect(log).toContain('"event":"mounted"');
    for (const secret of [PASSWORD_V1, suite.sp.clientSecret, Buffer.from(suite.sp.clientSecret).toString("base64")])
      expect(log).not.toContain(secret);
  });

  it("is brought up to date by `kv refresh --once --force`: the file changes through its link", async () => {
    const before = currentSet(volume);
    suite.vault.addSecret(name, PASSWORD_V2);
    const pass = await refreshOnce(env(), "--force");
    expect(pass.code).toBe(0);
    expect(lineOf(pass, realpathSync(volume.dir))).toEqual({
      dir: realpathSync(volume.dir),
      result: "changed",
      files: ["password"],
      ms: expect.any(Number),
    });
    expect(read(volume, "password")).toBe(PASSWORD_V2);
    expect(currentSet(volume)).not.toBe(before);
    // The old set stays, whole, for a reader that resolved ..data before the swap, until the next
    // write; the mode and group are those of the mount.
    expect(readdirSync(volume.dir).sort()).toEqual(["..data", before, currentSet(volume), "password"].sort());
    expect(readFileSync(join(volume.dir, before, "password"), "utf8")).toBe(PASSWORD_V1);
    const file = statSync(join(volume.dir, "password"));
    expect([file.mode & 0o7777, file.gid]).toEqual([0o640 | 0o040, 2345]);
    expect(pass.stderr).toBe("");
  });

  it("is left alone when nothing changed", async () => {
    const before = currentSet(volume);
    const pass = await refreshOnce(env(), "--force");
    expect(pass.code).toBe(0);
    expect(lineOf(pass, realpathSync(volume.dir))).toMatchObject({ result: "unchanged" });
    expect(currentSet(volume)).toBe(before);
  });

  it("is not refreshed by --once without --force before its interval has passed", async () => {
    const pass = await refreshOnce(env());
    expect(lineOf(pass, realpathSync(volume.dir))).toEqual({ dir: realpathSync(volume.dir), result: "not due" });
    const old = new Date(Date.now() - 60_000);
    utimesSync(recordPath(realpathSync(volume.dir), { KV_STATE_DIR: suite.kubelet.stateDir }), old, old);
    expect(lineOf(await refreshOnce(env()), realpathSync(volume.dir))).toMatchObject({ result: "unchanged" });
  });

  it("never writes a secret to the refresher's output, or the node's driver log", async () => {
    suite.vault.addSecret(name, "third value of the password");
    const pass = await refreshOnce(env(), "--force");
    for (const secret of [
      "third value of the password",
      PASSWORD_V2,
      suite.sp.clientSecret,
      Buffer.from(suite.sp.clientSecret).toString("base64"),
    ]) {
      expect(pass.combined).not.toContain(secret);
    }
    expect(existsSync(env().KV_DRIVER_LOG)).toBe(false);
  });

  it("loses its record on unmount", async () => {
    const path = recordPath(realpathSync(volume.dir), { KV_STATE_DIR: suite.kubelet.stateDir });
    expect(existsSync(path)).toBe(true);
    expect((await suite.kubelet.unmount(volume)).json).toEqual({ status: "Success" });
    expect(existsSync(path)).toBe(false);
    expect(suite.kubelet.log(volume)).toContain('"event":"record-removed"');
  });
});

test("a bad rotationpollinterval is refused at mount, naming the option, before any request", async () => {
  const volume = suite.kubelet.newVolume();
  suite.azure.resetStats();
  const result = await suite.kubelet.mount(volume, rotatingOptions([newSecret("x")], { rotationpollinterval: "0" }));
  expect(expectSingleJson(result.combined)).toEqual({
    status: "Failure",
    message: expect.stringMatching(/^invalid volume options: option rotationpollinterval: "0" is not an interval/),
  });
  expect([suite.azure.stats("keyvault").requests, suite.azure.stats("aad").requests]).toEqual([0, 0]);
  expect(findMount(volume.dir)).toBeUndefined();
  const again = await suite.kubelet.mount(volume, rotatingOptions([newSecret("x")], { rotationpollinterval: "5s" }));
  expect(again.json?.message).toMatch(/option rotationpollinterval: "5s" is shorter than 10 s/);
});

test("a failing object keeps the whole old set, and the answer line names the object", async () => {
  const [first, second] = [newSecret("one v1"), newSecret("two v1")];
  const volume = suite.kubelet.newVolume();
  await mountOk(volume, rotatingOptions([first, second]));
  const before = currentSet(volume);
  suite.vault.addSecret(first, "one v2");
  suite.vault.remove("secret", second);
  const pass = await refreshOnce(env(), "--force");
  expect(pass.code).toBe(1);
  const line = lineOf(pass, realpathSync(volume.dir));
  expect(line).toMatchObject({ result: "failed", error: expect.stringContaining(`secret/${second}: not found`) });
  expect(line?.failed).toEqual([
    {
      object: `secret/${second}`,
      cause: "not found",
      detail: expect.stringContaining("does not exist in key vault contoso-kv"),
    },
  ]);
  // The old set, whole: not even the object that did arrive is applied.
  expect(currentSet(volume)).toBe(before);
  expect([read(volume, first), read(volume, second)]).toEqual(["one v1", "two v1"]);
  expect(
    readdirSync(volume.dir)
      .filter((entry) => entry.startsWith(".."))
      .sort(),
  ).toEqual(["..data", before].sort());
  // Back in the vault: the next pass applies both.
  suite.vault.addSecret(second, "two v1");
  const retried = await refreshOnce(env(), "--force");
  expect(retried.code).toBe(0);
  expect(lineOf(retried, realpathSync(volume.dir))).toMatchObject({ result: "changed", files: [first] });
  expect([read(volume, first), read(volume, second)]).toEqual(["one v2", "two v1"]);
});

test("an object pinned to a version is not fetched again", async () => {
  const pinnedName = `pinned-${++counter}`;
  const pinned = suite.vault.addSecret(pinnedName, "pinned value");
  const latest = newSecret("latest v1");
  const volume = suite.kubelet.newVolume();
  await mountOk(volume, rotatingOptions([pinnedName, latest], { keyvaultobjectversions: `${pinned};` }));
  suite.vault.addSecret(pinnedName, "a newer version nobody asked for");
  suite.vault.addSecret(latest, "latest v2");
  const [pinnedBefore, latestBefore] = [keyVaultReadsOf(pinnedName), keyVaultReadsOf(latest)];
  const pass = await refreshOnce(env(), "--force");
  expect(lineOf(pass, realpathSync(volume.dir))).toMatchObject({ result: "changed", files: [latest] });
  expect(keyVaultReadsOf(pinnedName) - pinnedBefore).toBe(0);
  expect(keyVaultReadsOf(latest) - latestBefore).toBe(1);
  expect([read(volume, pinnedName), read(volume, latest)]).toEqual(["pinned value", "latest v2"]);
});

test("a rotating volume's env file is made anew from the refreshed values, in the same set", async () => {
  const name = newSecret("env before");
  const volume = suite.kubelet.newVolume();
  await mountOk(volume, rotatingOptions([name], { envfile: ".env", keyvaultobjectenvnames: "DB_PASSWORD" }));
  expect(readlinkSync(join(volume.dir, ".env"))).toBe("..data/.env");
  expect(read(volume, ".env")).toBe("export DB_PASSWORD='env before'\n");
  suite.vault.addSecret(name, "env after");
  const pass = await refreshOnce(env(), "--force");
  expect(lineOf(pass, realpathSync(volume.dir))).toMatchObject({ result: "changed", files: [name, ".env"] });
  expect([read(volume, name), read(volume, ".env")]).toEqual(["env after", "export DB_PASSWORD='env after'\n"]);
  await suite.kubelet.unmount(volume);
});

test("a rotating mount is built on the staging tmpfs and moved onto <dir> whole, like a plain one", async () => {
  const volume = suite.kubelet.newVolume();
  await mountOk(volume, rotatingOptions([newSecret("staged")]));
  expect(findMount(realpathSync(volume.dir))?.fsType).toBe("tmpfs");
  // Nothing of the build is left in the staging root: the tmpfs moved, its directory went.
  expect(readdirSync(suite.kubelet.stagingRoot)).toEqual([]);
  await suite.kubelet.unmount(volume);
});

describe("shared fetches", () => {
  test("two volumes with the same service principal and object make one request per pass", async () => {
    const shared = newSecret("shared v1");
    const [a, b] = [suite.kubelet.newVolume(), suite.kubelet.newVolume()];
    await mountOk(a, rotatingOptions([shared]));
    // Another alias and format of the same object: still the same request.
    await mountOk(b, rotatingOptions([shared], { keyvaultobjectaliases: "copy", keyvaultobjectencodings: "utf-8" }));
    suite.vault.addSecret(shared, "shared v2");
    const before = keyVaultReadsOf(shared);
    const pass = await refreshOnce(env(), "--force");
    expect(keyVaultReadsOf(shared) - before).toBe(1);
    expect([lineOf(pass, realpathSync(a.dir))?.result, lineOf(pass, realpathSync(b.dir))?.result]).toEqual([
      "changed",
      "changed",
    ]);
    expect([read(a, shared), read(b, "copy")]).toEqual(["shared v2", "shared v2"]);
  });

  test("volumes of two service principals do not share", async () => {
    const shared = newSecret("by two principals");
    const other = suite.azure.addServicePrincipal();
    suite.vault.grant(other.clientId);
    const [a, b] = [suite.kubelet.newVolume(), suite.kubelet.newVolume()];
    await mountOk(a, rotatingOptions([shared]));
    await mountOk(b, rotatingOptions([shared], {}, other));
    const before = keyVaultReadsOf(shared);
    await refreshOnce(env(), "--force");
    expect(keyVaultReadsOf(shared) - before).toBe(2);
  });

  test("pod identity volumes never share: each pod's token is its own", async () => {
    const shared = newSecret("read by two pods");
    const identity = suite.azure.addManagedIdentity();
    suite.vault.grant(identity.clientId);
    const pods = [
      { name: "cart-0", namespace: "shop" },
      { name: "cart-1", namespace: "shop" },
    ];
    for (const pod of pods) {
      suite.azure.addPodIdentity(pod.namespace, pod.name, identity.clientId);
      const volume = suite.kubelet.newVolume();
      const options = {
        keyvaultname: "contoso-kv",
        keyvaultobjectnames: shared,
        keyvaultobjecttypes: "secret",
        tenantid: suite.azure.tenantId,
        usepodidentity: "true",
        nmiport: String(suite.azure.nmiPort),
        rotationpollinterval: "1m",
      };
      await mountOk(volume, kubeletOptions(options, undefined, pod));
    }
    const before = [keyVaultReadsOf(shared), suite.azure.stats("nmi").requests];
    await refreshOnce(env(), "--force");
    expect([keyVaultReadsOf(shared) - before[0], suite.azure.stats("nmi").requests - before[1]]).toEqual([2, 2]);
  });
});

test(
  "a young record of a <dir> not mounted is left for a " + "later pass: its mount may still be moving the volume in",
  async () => {
    const volume = suite.kubelet.newVolume();
    await mountOk(volume, rotatingOptions([newSecret("mount under way")]));
    const dir = realpathSync(volume.dir);
    expect(spawnSync("umount", [volume.dir]).status).toBe(0);
    const pass = await refreshOnce(env(), "--force");
    expect(pass.code).toBe(0);
    expect(lineOf(pass, dir)).toEqual({
      dir,
      result: "not due",
      reason: "not mounted yet: its mount may still be under way",
    });
    expect(existsSync(recordPath(dir, { KV_STATE_DIR: suite.kubelet.stateDir }))).toBe(true);
  },
);

test("a record whose volume was unmounted behind the driver's back is dropped", async () => {
  const volume = suite.kubelet.newVolume();
  await mountOk(volume, rotatingOptions([newSecret("soon gone")]));
  const dir = realpathSync(volume.dir);
  expect(spawnSync("umount", [volume.dir]).status).toBe(0);
  // Older than the mount's deadline (mounttimeout, 60 s by default) and its clean-up.
  const longAgo = new Date(Date.now() - 71_000);
  utimesSync(recordPath(dir, { KV_STATE_DIR: suite.kubelet.stateDir }), longAgo, longAgo);
  const pass = await refreshOnce(env(), "--force");
  expect(lineOf(pass, dir)).toMatchObject({ result: "dropped", reason: "not mounted any more" });
  expect(existsSync(recordPath(dir, { KV_STATE_DIR: suite.kubelet.stateDir }))).toBe(false);
  // Nothing was written into the directory beneath the tmpfs.
  expect(readdirSync(volume.dir)).toEqual([]);
  expect(pass.code).toBe(0);
});

test("usage errors exit 2 and say what is wrong", async () => {
  const forced = await refreshOnce(env(), "--force", "--listen", ":1");
  expect(forced.code).toBe(2);
  expect(forced.stderr).toMatch(/--once serves no metrics/);
  const { runDriver } = await import("../support/driver");
  const bad = await runDriver(["refresh", "--listen", "nowhere"], env());
  expect([bad.code, bad.stderr]).toEqual([2, expect.stringMatching(/--listen "nowhere" is not \[host\]:port/)]);
});
