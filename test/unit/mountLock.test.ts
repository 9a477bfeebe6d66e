import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VolumeError } from "../../src/errors";
import { lockDirectory, lockMountDir } from "../../src/volume/mountLock";

const dir = join(tmpdir(), `lock-test-${process.pid}`);
// The locks go to a state dir of this test's own, not the machine's /run/kv-flexvol (as root)
// or the user's fallback in TMPDIR (in a user namespace, where /run is not ours).
const stateDir = mkdtempSync(join(tmpdir(), "kv-lock-state-"));
process.env.KV_STATE_DIR = stateDir;
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));
const LOCK_DIRS = [lockDirectory()];

function lockFiles(): string[] {
  return LOCK_DIRS.flatMap((d) => {
    try {
      return readdirSync(d).map((f) => join(d, f));
    } catch {
      return [];
    }
  });
}

/** The lock file of `dir`: taken and released once, so it is known and free. */
async function lockFileOf(lockedDir: string): Promise<string> {
  const before = new Set(lockFiles());
  const release = await lockMountDir(lockedDir);
  const [path] = lockFiles().filter((f) => !before.has(f));
  release();
  return path;
}

/** The pid of a process that has exited. */
const deadPid = () =>
  spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();

describe("lockMountDir", () => {
  it("makes a second caller for the same dir wait until the first releases", async () => {
    const order: string[] = [];
    const releaseFirst = await lockMountDir(dir);
    const second = lockMountDir(dir).then((release) => {
      order.push("second");
      return release;
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    order.push("first done");
    releaseFirst();
    (await second)();
    expect(order).toEqual(["first done", "second"]);
  });

  it("does not make different dirs wait for each other", async () => {
    const a = await lockMountDir(`${dir}-a`);
    const b = await lockMountDir(`${dir}-b`);
    a();
    b();
  });

  it("gives up when the deadline passes while another call holds the lock", async () => {
    const release = await lockMountDir(dir);
    await expect(lockMountDir(dir, AbortSignal.timeout(100))).rejects.toThrow(VolumeError);
    release();
  });

  it("takes over a lock whose holder died, and leaves no guard file behind", async () => {
    const path = await lockFileOf(dir);
    writeFileSync(path, deadPid());
    const again = await lockMountDir(dir, AbortSignal.timeout(2_000));
    expect(existsSync(`${path}.check`)).toBe(false);
    again();
  });

  it("takes over a lock whose holder's pid now belongs to another process (a crashed call's pid, reused)", async () => {
    const path = await lockFileOf(dir);
    // The parent of this test is alive, but it started long before "tick 1" of this boot.
    writeFileSync(path, `${process.ppid} 1`);
    const again = await lockMountDir(dir, AbortSignal.timeout(2_000));
    again();
  });

  it("names its holder by pid and start time, and a live holder keeps it", async () => {
    const path = await lockFileOf(dir);
    const release = await lockMountDir(dir);
    const [pid, started] = readFileSync(path, "utf8").split(" ");
    expect(Number(pid)).toBe(process.pid);
    expect(started).toMatch(/^\d+$/);
    await expect(lockMountDir(dir, AbortSignal.timeout(200))).rejects.toThrow(VolumeError);
    release();
  });

  it("leaves a dead holder's lock to the waiter that holds the guard while that waiter lives", async () => {
    const path = await lockFileOf(dir);
    writeFileSync(path, deadPid());
    // A live waiter (this process) is checking it, for a minute already: it may just have taken it.
    writeFileSync(`${path}.check`, String(process.pid));
    const minuteAgo = new Date(Date.now() - 60_000);
    utimesSync(`${path}.check`, minuteAgo, minuteAgo);
    await expect(lockMountDir(dir, AbortSignal.timeout(200))).rejects.toThrow(VolumeError);
    expect(existsSync(path)).toBe(true);
    // That waiter died holding the guard: the next one clears the guard, then the lock.
    writeFileSync(`${path}.check`, deadPid());
    const again = await lockMountDir(dir, AbortSignal.timeout(2_000));
    again();
  });

  it("releases only its own lock, never one another call took after it was removed", async () => {
    const path = await lockFileOf(dir);
    const release = await lockMountDir(dir);
    // Meanwhile removed as stale (a waiter that misjudged it) and taken by another call.
    unlinkSync(path);
    writeFileSync(path, String(process.ppid));
    release();
    expect(readFileSync(path, "utf8")).toBe(String(process.ppid));
    unlinkSync(path);
  });

  it("takes over a lock that still names no holder seconds after it was made (a call that died at once)", async () => {
    const path = await lockFileOf(dir);
    writeFileSync(path, "");
    // Made just now: it may be a call between creating and writing it, so it is respected.
    await expect(lockMountDir(dir, AbortSignal.timeout(200))).rejects.toThrow(VolumeError);
    const minuteAgo = new Date(Date.now() - 60_000);
    utimesSync(path, minuteAgo, minuteAgo);
    const again = await lockMountDir(dir, AbortSignal.timeout(2_000));
    again();
  });
});

describe("lockDirectory", () => {
  const work = mkdtempSync(join(tmpdir(), "kv-lockdir-"));
  const file = join(work, "a-file");
  writeFileSync(file, "");
  const unwritable = join(file, "state");
  afterEach(() => {
    for (const name of readdirSync(work))
      if (name !== "a-file") rmSync(join(work, name), { recursive: true, force: true });
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("is the state dir when it can be written", () => {
    expect(lockDirectory(join(work, "state"), work)).toBe(join(work, "state"));
  });

  it(
    "falls back to the user's own directory (named by the uid outside any user namespace), mode 0700, when " +
      "the state dir cannot be made",
    () => {
      const dir = lockDirectory(unwritable, work);
      expect(dir).toMatch(new RegExp(`^${work}/kv-flexvol-\\d+$`));
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(dir).uid).toBe(process.getuid!());
    },
  );

  it("refuses a fallback that others may write, and names every path with its reason", () => {
    const fallback = lockDirectory(unwritable, work);
    chmodSync(fallback, 0o777);
    expect(() => lockDirectory(unwritable, work)).toThrow(
      new VolumeError(
        `cannot make a lock ` +
          `directory: ${unwritable}: ENOTDIR; ${fallback}: owned by uid ${process.getuid!()} with mode ` +
          `777, not ours alone; set KV_STATE_DIR to a directory this user may write`,
      ),
    );
  });
});
