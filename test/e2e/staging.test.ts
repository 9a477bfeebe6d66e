// A volume appears at <dir> whole or not at all: it is built on a private tmpfs in the
// driver's staging root and moved onto <dir> in one step. Proven by killing the driver at
// each stage of a mount (as `systemctl restart kubelet` would, SIGTERM to the whole cgroup,
// or SIGKILL), by mount(8) failing or hanging (a wrapper earlier in PATH, kubelet's
// environment), and by a shared kubelet root. The next call drops what a killed one left.
import { existsSync, readdirSync, readFileSync, watch } from "node:fs";
import { basename, join } from "node:path";
import { kubeletOptions } from "../../standin/kubeletCall";
import { findMount, parseMountinfo } from "../../standin/mounts";
import { expectSingleJson, type DriverResult } from "../support/driver";
import { Kubelet, type PodVolume } from "../support/kubelet";
import { MountWrapper, type MountFault, type MountStep } from "../support/mountWrapper";
import { standInSuite } from "../support/suite";
import { pattern } from "../support/pattern";

const suite = standInSuite();
const NAMES = ["db-password", "api-key", "tls-passphrase"];
/** Enough files that a kill seen at the first one lands while the rest are still being written. */
const MANY = Array.from({ length: 500 }, (_, i) => `many-${String(i).padStart(4, "0")}`);
const valueOf = (name: string) => `value of ${name}`;
const CALL_TIMEOUT_MS = 60_000;

let kubelet: Kubelet;
let wrapper: MountWrapper | undefined;

beforeAll(() => {
  for (const name of [...NAMES, ...MANY]) suite.vault.addSecret(name, valueOf(name));
});

beforeEach(() => {
  kubelet = new Kubelet(suite.azure.env);
  suite.azure.resetStats();
});

afterEach(async () => {
  suite.azure.clearFaults();
  await wrapper?.close();
  wrapper = undefined;
  kubelet.cleanUp();
});

function options(names: readonly string[], extra: Record<string, string> = {}): Record<string, string> {
  return kubeletOptions(
    {
      keyvaultname: "contoso-kv",
      keyvaultobjectnames: names.join(";"),
      keyvaultobjecttypes: names.map(() => "secret").join(";"),
      tenantid: suite.azure.tenantId,
      ...extra,
    },
    suite.sp,
  );
}

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 30_000) throw new Error("the driver never got there");
    await new Promise((wake) => setTimeout(wake, 10));
  }
}

/** What is in the staging root: the name of each entry, and the mounts under it. */
function staging(): { entries: string[]; mounts: string[] } {
  const root = kubelet.stagingRoot;
  const entries = existsSync(root) ? readdirSync(root) : [];
  const mounts = parseMountinfo(readFileSync("/proc/self/mountinfo", "utf8"))
    .map((entry) => entry.mountPoint)
    .filter((point) => point.startsWith(`${root}/`));
  return { entries, mounts };
}

function expectWholeVolume(volume: PodVolume, names: readonly string[]): void {
  expect(findMount(volume.dir)?.fsType).toBe("tmpfs");
  expect(readdirSync(volume.dir).sort()).toEqual([...names].sort());
  for (const name of names) expect(readFileSync(join(volume.dir, name), "utf8")).toBe(valueOf(name));
}

function expectNothingAt(volume: PodVolume): void {
  expect(findMount(volume.dir)).toBeUndefined();
  expect(readdirSync(volume.dir)).toEqual([]);
}

/** Mounts `names`, and stops the driver with `signal` once `reached` has resolved. */
async function killedMount(
  volume: PodVolume,
  names: readonly string[],
  signal: NodeJS.Signals,
  reached: () => Promise<void>,
  env: Record<string, string> = {},
): Promise<DriverResult> {
  const stop = new AbortController();
  const call = kubelet.mount(volume, options(names), env, { signal: stop.signal, killSignal: signal });
  await reached();
  stop.abort();
  const result = await call;
  // Killed before it could answer: kubelet got nothing, and will call again.
  expect({ signal: result.signal, combined: result.combined }).toEqual({ signal, combined: "" });
  return result;
}

/**
 * Mounts `names` through a mount(8) that holds at `step`, and stops the driver with `signal`
 * once `atHold` is done. Returns the staging tmpfs's mount point.
 */
async function killedAtHold(
  volume: PodVolume,
  names: readonly string[],
  step: MountStep,
  fault: MountFault,
  signal: NodeJS.Signals,
  atHold: (stagingTmpfs: string, held: MountWrapper) => Promise<void> = async () => {},
): Promise<string> {
  const held = (wrapper = new MountWrapper(step, fault));
  let stagingTmpfs = "";
  await killedMount(
    volume,
    names,
    signal,
    async () => {
      const { args } = await held.held();
      // mount(8)'s last argument when it mounts the staging tmpfs; the first of the two when it moves it.
      stagingTmpfs = step === "staging" ? args.at(-1)! : args.at(-2)!;
      await atHold(stagingTmpfs, held);
    },
    held.env,
  );
  await held.close(); // kubelet's restart would have ended it with the driver
  return stagingTmpfs;
}

/** The staging root holds the killed call's staging tmpfs and nothing else; its entries. */
function expectLeftInStaging(stagingTmpfs: string): string[] {
  const left = staging();
  expect(left).toEqual({ entries: [basename(stagingTmpfs)], mounts: [stagingTmpfs] });
  return left.entries;
}

/** The next mount of the volume drops what the killed call left and mounts it whole. */
async function expectNextMountRecovers(
  volume: PodVolume,
  names: readonly string[],
  leftovers: string[],
): Promise<void> {
  suite.azure.clearFaults();
  const result = await kubelet.mount(volume, options(names));
  expect(expectSingleJson(result.combined)).toEqual({ status: "Success" });
  expectWholeVolume(volume, names);
  expect(staging()).toEqual({ entries: [], mounts: [] });
  const dropped = kubelet
    .logEvents(volume)
    .filter((event) => event.event === "staging-dropped")
    .map((event) => event.staging);
  expect(dropped).toEqual(leftovers.map((name) => join(kubelet.stagingRoot, name)));
}

describe("a mount killed", () => {
  test(
    "while its token is pending (SIGTERM) leaves nothing mounted, and the next mount mounts",
    async () => {
      suite.azure.injectFault({ hang: true }, { service: "aad" });
      const volume = kubelet.newVolume();
      await killedMount(volume, NAMES, "SIGTERM", () =>
        until(() => suite.azure.requests.some((r) => r.service === "aad")),
      );
      expect(suite.azure.stats("keyvault").requests).toBe(0);
      expectNothingAt(volume);
      expect(staging()).toEqual({ entries: [], mounts: [] });
      await expectNextMountRecovers(volume, NAMES, []);
    },
    CALL_TIMEOUT_MS,
  );

  test(
    "while a fetch is in flight (SIGKILL) leaves nothing mounted, and the next mount mounts",
    async () => {
      suite.azure.injectFault({ hang: true }, { vault: "contoso-kv", name: NAMES[1] });
      const volume = kubelet.newVolume();
      await killedMount(volume, NAMES, "SIGKILL", () =>
        until(() => suite.azure.requests.some((r) => r.service === "keyvault" && r.target?.name === NAMES[1])),
      );
      expectNothingAt(volume);
      expect(staging()).toEqual({ entries: [], mounts: [] });
      await expectNextMountRecovers(volume, NAMES, []);
    },
    CALL_TIMEOUT_MS,
  );

  test(
    "while its files are being written (SIGKILL) leaves them in its staging tmpfs, never at <dir>; the next " +
      "mount drops it",
    async () => {
      // The kill races the driver's write of 500 files (tens of ms), and a stalled watcher can be late:
      // every attempt must leave nothing at <dir>, and one of them must land in the middle of the write.
      const written: number[] = [];
      while (written.length < 5 && !written.some((count) => count > 0 && count < MANY.length)) {
        const volume = kubelet.newVolume();
        const stagingTmpfs = await killedAtHold(
          volume,
          MANY,
          "staging",
          "holds-after",
          "SIGKILL",
          async (tmpfs, held) => {
            // The first file written into the staging tmpfs is the moment to stop the driver.
            const firstFile = new Promise<void>((wrote) => {
              const watcher = watch(tmpfs, () => (watcher.close(), wrote()));
            });
            held.release();
            await firstFile;
          },
        );
        expectNothingAt(volume);
        const left = expectLeftInStaging(stagingTmpfs);
        written.push(readdirSync(stagingTmpfs).length);
        await expectNextMountRecovers(volume, MANY, left);
        expect((await kubelet.unmount(volume)).json).toEqual({ status: "Success" });
      }
      // Stopped in the middle of the write: some files there, not all.
      expect(written.filter((count) => count > 0 && count < MANY.length)).toHaveLength(1);
    },
    3 * CALL_TIMEOUT_MS,
  );

  test(
    "between the write and the move (SIGTERM) leaves the whole volume in its staging tmpfs, never at <dir>; " +
      "the next mount drops it",
    async () => {
      const volume = kubelet.newVolume();
      const stagingTmpfs = await killedAtHold(volume, NAMES, "move", "holds-before", "SIGTERM");
      expectNothingAt(volume);
      const left = expectLeftInStaging(stagingTmpfs);
      expect(readdirSync(stagingTmpfs).sort()).toEqual([...NAMES].sort());
      await expectNextMountRecovers(volume, NAMES, left);
    },
    CALL_TIMEOUT_MS,
  );

  test(
    "just after the move (SIGKILL) leaves the whole volume at <dir>, which counts as mounted; the next call " +
      "drops the empty staging dir",
    async () => {
      const volume = kubelet.newVolume();
      await killedAtHold(volume, NAMES, "move", "holds-after", "SIGKILL");
      expectWholeVolume(volume, NAMES);
      const left = staging();
      expect({ entries: left.entries.length, mounts: left.mounts }).toEqual({ entries: 1, mounts: [] });
      suite.azure.resetStats();
      const result = await kubelet.mount(volume, options(NAMES));
      expect(expectSingleJson(result.combined)).toEqual({ status: "Success" });
      expect(suite.azure.requests).toHaveLength(0);
      // Found mounted before any staging: the leftover goes with the next call that stages, or unmount.
      expect((await kubelet.unmount(volume)).json).toEqual({ status: "Success" });
      expect(staging()).toEqual({ entries: [], mounts: [] });
    },
    CALL_TIMEOUT_MS,
  );
});

describe.each<[MountStep, MountFault, RegExp]>([
  [
    "staging",
    "fails-after-mounting",
    /^volume: mount -t tmpfs -o mode=0755,size=\d+ tmpfs \S+ failed: mount: failed after mounting \(a test fault\)$/,
  ],
  [
    "staging",
    "hangs-after-mounting",
    pattern(
      /^/,
      "volume: mount -t tmpfs -o mode=0755,size=",
      /\d+/,
      " tmpfs ",
      /\S+/,
      " failed: no answer before the mount's 3s deadline (option mounttimeout)",
      /$/,
    ),
  ],
  [
    "move",
    "fails-after-mounting",
    /^volume: mount --no-mtab --move \S+ \S+ failed: mount: failed after mounting \(a test fault\)$/,
  ],
  [
    "move",
    "hangs-after-mounting",
    /^volume: mount --no-mtab --move \S+ \S+ failed: no answer before the mount's 3s deadline \(option mounttimeout\)$/,
  ],
])("a mount(8) that, at the %s step, %s", (step, fault, message) => {
  test(
    "fails the mount, naming the command, and leaves nothing mounted, at <dir> or in the staging root",
    async () => {
      wrapper = new MountWrapper(step, fault);
      const volume = kubelet.newVolume();
      const result = await kubelet.mount(volume, options(NAMES, { mounttimeout: "3" }), wrapper.env);
      const answer = expectSingleJson(result.combined);
      expect(answer).toEqual({ status: "Failure", message: expect.stringMatching(message) });
      expect(result.code).toBe(1);
      expectNothingAt(volume);
      expect(staging()).toEqual({ entries: [], mounts: [] });
      expect(suite.azure.requests.filter((r) => r.service === "keyvault" && r.status === 200)).toHaveLength(
        NAMES.length,
      );
      expect(kubelet.logEvents(volume).find((event) => event.event === "volume-not-placed")).toMatchObject({
        level: "error",
        call: "mount",
        dir: volume.dir,
      });
    },
    CALL_TIMEOUT_MS,
  );
});

test(
  "a call never takes another live call's staging mount",
  async () => {
    wrapper = new MountWrapper("move", "holds-before");
    const [waiting, other] = [kubelet.newVolume(), kubelet.newVolume()];
    const first = kubelet.mount(waiting, options(NAMES), wrapper.env);
    const stagingTmpfs = (await wrapper.held()).args.at(-2)!;

    const second = await kubelet.mount(other, options(NAMES.slice(0, 1)));
    expect(expectSingleJson(second.combined)).toEqual({ status: "Success" });
    // The first call's staging tmpfs is still there, whole, for the first call to move.
    expect(staging().mounts).toEqual([stagingTmpfs]);
    expect(readdirSync(stagingTmpfs).sort()).toEqual([...NAMES].sort());

    wrapper.release();
    expect(expectSingleJson((await first).combined)).toEqual({ status: "Success" });
    expectWholeVolume(waiting, NAMES);
    expect(staging()).toEqual({ entries: [], mounts: [] });
  },
  CALL_TIMEOUT_MS,
);

test(
  "under a shared kubelet root (kubelet's pods dir is rshared, systemd's /run shared), the staging root is " +
    "made private and the volume moves in",
  async () => {
    kubelet.makeRootShared();
    const [volume, second] = [kubelet.newVolume(), kubelet.newVolume()];
    const result = await kubelet.mount(volume, options(NAMES));
    expect(expectSingleJson(result.combined)).toEqual({ status: "Success" });
    expectWholeVolume(volume, NAMES);
    // The staging root: a mount of its own, in no peer group. The volume: shared like the root it moved under.
    expect(findMount(kubelet.stagingRoot)?.optionalFields.filter((field) => field.startsWith("shared:"))).toEqual([]);
    expect(findMount(volume.dir)?.optionalFields.some((field) => field.startsWith("shared:"))).toBe(true);
    expect(kubelet.logEvents(volume).map((event) => event.event)).toContain("staging-root-made-private");

    // Made once: the next mount finds it private.
    expect(expectSingleJson((await kubelet.mount(second, options(NAMES))).combined)).toEqual({ status: "Success" });
    expect(kubelet.logEvents(second).map((event) => event.event)).not.toContain("staging-root-made-private");
    expect(
      parseMountinfo(readFileSync("/proc/self/mountinfo", "utf8")).filter(
        (entry) => entry.mountPoint === kubelet.stagingRoot,
      ),
    ).toHaveLength(1);

    for (const each of [volume, second]) expect((await kubelet.unmount(each)).json).toEqual({ status: "Success" });
    expect(findMount(volume.dir)).toBeUndefined();
  },
  CALL_TIMEOUT_MS,
);
