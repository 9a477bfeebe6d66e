// Two refreshers writing one rotating volume at once, as `kv refresh --once --force` run by
// hand on a node beside the DaemonSet's refresher does: processes of their own on a real
// tmpfs, with a pod's reads going on meanwhile. The volume's refresh lock makes them take
// turns; a lock left by a killed refresh is taken over at once when its dead pid can be looked
// up (the same pid namespace), otherwise once older than the deadline.
import { spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeAtomicSet } from "../../src/rotation/atomicLayout";
import { lockVolume, VOLUME_LOCK } from "../../src/rotation/volumeLock";
import { PROBE_FILES, runRefreshProbe, volumeProblem } from "../support/refreshProbe";

let root: string;
let dir: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "kv-two-"));
  dir = join(root, "volume");
  mkdirSync(dir);
  const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "mode=0755,size=4m", "tmpfs", dir], { encoding: "utf8" });
  if (mounted.status !== 0) throw new Error(`mount: ${mounted.stderr}`);
  writeAtomicSet(
    dir,
    PROBE_FILES.map((fileName) => ({ fileName, content: Buffer.from("mount-0") })),
    { mode: 0o644 },
  );
});
afterEach(() => {
  spawnSync("umount", [dir]);
  rmSync(root, { recursive: true, force: true });
});

test("two refreshers at once take turns: every file resolves, every set is whole, nothing is left", async () => {
  const startAt = String(Date.now() + 4_000);
  const forMs = "2000";
  const [first, second, reader] = await Promise.all([
    runRefreshProbe(["write", dir, "first", startAt, forMs]),
    runRefreshProbe(["write", dir, "second", startAt, forMs]),
    runRefreshProbe(["read", dir, startAt, forMs]),
  ]);
  expect([first.problems, second.problems, reader.problems]).toEqual([[], [], []]);
  // They did overlap: each wrote many sets while the other did.
  expect(Math.min(first.done, second.done)).toBeGreaterThan(20);
  expect(volumeProblem(dir)).toBeUndefined();
  const contents = PROBE_FILES.map((name) => readFileSync(join(dir, name), "utf8"));
  expect(new Set(contents).size).toBe(1);
  // The current set, the one it replaced, their links, and neither a lock nor a temporary link.
  const current = readlinkSync(join(dir, "..data"));
  const replaced = readdirSync(dir).filter((entry) => entry.startsWith("..2") && entry !== current);
  expect(replaced).toHaveLength(1);
  expect(readdirSync(dir).sort()).toEqual(["..data", current, ...replaced, ...PROBE_FILES].sort());
});

test("a live lock is waited for, then the refresh fails; a killed refresh's old lock is taken over", () => {
  const release = lockVolume(dir, 60_000);
  const waited = Date.now();
  expect(() => lockVolume(dir, 60_000)).toThrow(/another refresh is writing this volume/);
  expect(Date.now() - waited).toBeGreaterThanOrEqual(4_900);
  release();
  expect(readdirSync(dir)).not.toContain(VOLUME_LOCK);
  // Left by a refresh killed 61 s ago, and by a waiter killed while it checked.
  for (const name of [VOLUME_LOCK, `${VOLUME_LOCK}.check`]) {
    writeFileSync(join(dir, name), "kv refresh\n");
    utimesSync(join(dir, name), new Date(Date.now() - 61_000), new Date(Date.now() - 61_000));
  }
  const taken = lockVolume(dir, 60_000);
  taken();
  expect(readdirSync(dir).filter((name) => name.startsWith(VOLUME_LOCK))).toEqual([]);
}, 20_000);

test("a lock left by a refresher killed mid-write is taken over at once where its pid can be looked up", () => {
  const killed = spawnSync(
    process.execPath,
    ["--import", "tsx", join(__dirname, "..", "support", "refreshProbe.ts"), "killed-holding-lock", dir],
    { encoding: "utf8" },
  );
  expect({ signal: killed.signal, stderr: killed.stderr }).toEqual({ signal: "SIGKILL", stderr: "" });
  const left = readFileSync(join(dir, VOLUME_LOCK), "utf8");
  expect(left).toMatch(/^kv refresh pid:\[\d+\] \d+ \d+\n$/);
  // The same lock seen from another pid namespace (the node, of a container's refresher): its
  // pid names nothing there, so it is waited for until older than the deadline.
  writeFileSync(join(dir, VOLUME_LOCK), left.replace(/pid:\[\d+\]/, "pid:[1]"));
  expect(() => lockVolume(dir, 60_000)).toThrow(/another refresh is writing this volume/);
  // From this namespace, the fresh lock of a process that is gone is no one's.
  writeFileSync(join(dir, VOLUME_LOCK), left);
  lockVolume(dir, 60_000)();
  expect(readdirSync(dir).filter((name) => name.startsWith(VOLUME_LOCK))).toEqual([]);
}, 30_000);
