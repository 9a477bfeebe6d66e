// <dir> must resolve to a kubelet volume directory of this driver,
// <kubelet root>/pods/<pod uid>/volumes/azure~kv/<volume name>: anything else is refused,
// naming it and the shape expected, and nothing is created, mounted or unmounted. At such
// a directory, unmount takes down only a tmpfs; any other file system is left alone.
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { kubeletOptions } from "../../standin/kubeletCall";
import { findMount, mountsAt, unmountUnder } from "../../standin/mounts";
import { expectSingleJson } from "../support/driver";
import { standInSuite } from "../support/suite";

const suite = standInSuite();
beforeAll(() => suite.vault.addSecret("db-password", "x"));

const SHAPE = "kubelet passes <kubelet root>/pods/<pod uid>/volumes/azure~kv/<volume name>";
/** Outside every kubelet root: where a hostile <dir> would lead. */
let outside: string;
beforeEach(() => {
  outside = mkdtempSync(join(tmpdir(), "kv-outside-"));
  suite.azure.resetStats();
});
afterEach(() => {
  unmountUnder(outside);
  rmSync(outside, { recursive: true, force: true });
});

const options = () =>
  JSON.stringify(
    kubeletOptions(
      {
        keyvaultname: "contoso-kv",
        keyvaultobjectnames: "db-password",
        keyvaultobjecttypes: "secret",
        tenantid: suite.azure.tenantId,
      },
      suite.sp,
    ),
  );

function mountOrFail(args: string[]): void {
  const result = spawnSync("mount", args, { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`mount ${args.join(" ")}: ${result.stderr}`);
}

/** A volume's directory and what a hostile <dir> argument for it is, by case. */
const HOSTILE: Array<[string, () => { dir: string; resolved?: string }]> = [
  [
    "'..' leading out of the pods",
    () => {
      const volume = suite.kubelet.newVolume();
      // Up to / from the volume dir, then down into outside.
      const up = "../".repeat(volume.dir.split("/").length - 1);
      return { dir: `${volume.dir}/${up}${outside.slice(1)}/secrets`, resolved: join(outside, "secrets") };
    },
  ],
  [
    "a symlinked volume dir pointing outside",
    () => {
      const volume = suite.kubelet.newVolume();
      rmSync(volume.dir, { recursive: true });
      symlinkSync(outside, volume.dir);
      return { dir: volume.dir, resolved: outside };
    },
  ],
  [
    "a symlinked parent (azure~kv) pointing outside",
    () => {
      const volume = suite.kubelet.newVolume();
      rmSync(dirname(volume.dir), { recursive: true });
      symlinkSync(outside, dirname(volume.dir));
      return { dir: volume.dir, resolved: join(outside, "secrets") };
    },
  ],
  [
    "another plugin's volume",
    () => {
      const volume = suite.kubelet.newVolume();
      const dir = join(dirname(dirname(volume.dir)), "kubernetes.io~secret", "secrets");
      return { dir };
    },
  ],
];

describe.each(HOSTILE)("<dir> through %s", (_case, make) => {
  test.each(["mount", "unmount"])(
    "%s is refused naming both paths and the shape, and nothing is created, mounted or unmounted",
    async (call) => {
      const { dir, resolved } = make();
      // A foreign tmpfs where it leads, holding someone's data: the lost data.
      mkdirSync(join(outside, "secrets"), { recursive: true });
      mountOrFail(["-t", "tmpfs", "tmpfs", join(outside, "secrets")]);
      writeFileSync(join(outside, "secrets", "theirs"), "keep me");
      const before = readdirSync(outside);

      const result = await suite.kubelet.call(call === "mount" ? ["mount", dir, options()] : ["unmount", dir]);

      const answer = expectSingleJson(result.combined);
      expect(answer).toEqual({ status: "Failure", message: expect.stringContaining(`option <dir>: '${dir}'`) });
      expect(answer.message).toContain(SHAPE);
      if (resolved) expect(answer.message).toContain(`(resolved: ${resolved})`);
      expect(readdirSync(outside)).toEqual(before);
      expect(mountsAt(join(outside, "secrets"))).toBe(1);
      expect(readFileSync(join(outside, "secrets", "theirs"), "utf8")).toBe("keep me");
      expect(existsSync(join(outside, "secrets", "db-password"))).toBe(false);
      expect(suite.azure.requests).toHaveLength(0);
    },
  );
});

test.each(["/", "/etc", "/dev/shm", "/run"])(
  "%s is refused, by mount and unmount (run in a private mount namespace)",
  async (dir) => {
    // Should the rule ever fail, whatever is mounted dies with the namespace.
    const privately = { wrapper: ["unshare", "--mount", "--propagation", "private"] };
    for (const args of [
      ["mount", dir, options()],
      ["unmount", dir],
    ]) {
      const result = await suite.kubelet.call(args, undefined, {}, privately);
      expect(expectSingleJson(result.combined)).toEqual({
        status: "Failure",
        message: expect.stringContaining(`option <dir>: '${dir}' is not a volume directory of this driver: ${SHAPE}`),
      });
    }
    expect(suite.azure.requests).toHaveLength(0);
  },
);

test("a mount whose pod directory kubelet has not made is refused, and nothing is made", async () => {
  const volume = suite.kubelet.newVolume();
  const dir = join(dirname(volume.dir).replace(volume.podUid, "0b7e3f1a-2c4d-4e5f-8a9b-0c1d2e3f4a5b"), "secrets");
  const result = await suite.kubelet.call(["mount", dir, options()]);
  expect(expectSingleJson(result.combined)).toEqual({
    status: "Failure",
    message: expect.stringContaining(`${dirname(dir)} is not a directory: kubelet makes it`),
  });
  expect(existsSync(dirname(dirname(dir)))).toBe(false);
  expect(suite.azure.requests).toHaveLength(0);
});

describe("at an azure~kv volume dir", () => {
  test("a bind mount of another file system is left alone by unmount, which names it", async () => {
    const volume = suite.kubelet.newVolume();
    writeFileSync(join(outside, "theirs"), "keep me");
    mountOrFail(["--bind", outside, volume.dir]);
    const { fsType, source } = findMount(volume.dir)!;
    expect(fsType).not.toBe("tmpfs");

    const result = await suite.kubelet.unmount(volume);

    expect(expectSingleJson(result.combined)).toEqual({
      status: "Failure",
      message:
        `volume: ${volume.dir} holds a ${fsType} file system (${source}), not a tmpfs of this driver; ` +
        `it is left alone: unmount it yourself once nothing needs it`,
    });
    expect(mountsAt(volume.dir)).toBe(1);
    expect(readFileSync(join(volume.dir, "theirs"), "utf8")).toBe("keep me");
    expect(suite.kubelet.logEvents(volume).find((e) => e.event === "failed")).toMatchObject({
      level: "error",
      call: "unmount",
      dir: volume.dir,
    });
  });

  test("a tmpfs stacked on another file system: nothing is unmounted, not even the tmpfs", async () => {
    const volume = suite.kubelet.newVolume();
    mountOrFail(["-t", "ramfs", "ramfs", volume.dir]);
    mountOrFail(["-t", "tmpfs", "tmpfs", volume.dir]);
    const result = await suite.kubelet.unmount(volume);
    expect(expectSingleJson(result.combined)).toEqual({
      status: "Failure",
      message: expect.stringContaining(`${volume.dir} holds a ramfs file system (ramfs)`),
    });
    expect(mountsAt(volume.dir)).toBe(2);
  });

  test("another file system there is not mounted over: mount fails naming it, without fetching", async () => {
    const volume = suite.kubelet.newVolume();
    mountOrFail(["-t", "ramfs", "ramfs", volume.dir]);
    const result = await suite.kubelet.mount(volume, options());
    expect(expectSingleJson(result.combined)).toEqual({
      status: "Failure",
      message: expect.stringContaining(
        `${volume.dir} holds a ramfs file system (ramfs), not a tmpfs of this driver; it is left alone`,
      ),
    });
    expect(mountsAt(volume.dir)).toBe(1);
    expect(suite.azure.requests).toHaveLength(0);
  });

  test("any tmpfs is this driver's kind, and is unmounted (one a person mounted there too)", async () => {
    const volume = suite.kubelet.newVolume();
    mountOrFail(["-t", "tmpfs", "-o", "size=64k", "someone-else", volume.dir]);
    const result = await suite.kubelet.unmount(volume);
    expect(expectSingleJson(result.combined)).toEqual({ status: "Success" });
    expect(findMount(volume.dir)).toBeUndefined();
    expect(existsSync(volume.dir)).toBe(false);
  });
});
