// kubelet may call mount for the same <dir> again while the first call still runs (it
// retries on its own schedule), or unmount it meanwhile. One lock per <dir> makes the
// calls take turns: a second mount then finds the volume mounted and succeeds without
// fetching, and an unmount unmounts what the mount finished. The file calls are
// synchronous: each is one quick syscall, and nothing else is in flight yet.
import { createHash } from "node:crypto";
import { accessSync, constants, mkdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { VolumeError } from "../errors";
import { stateDirectory } from "../stateDir";
import { createLockFile, releaseLockFile, removeIfStale, type FileIdentity } from "./lockFile";
import { isAlive, SELF } from "./owner";

const POLL_MS = 50;

/** A user's own fallback, never one directory for the whole machine: the first to make it would own it. */
function userFallback(tempDir: string): string {
  return join(tempDir, `kv-flexvol-${hostUid()}`);
}

/** The user outside any user namespace: inside `unshare -r` every user is uid 0. */
function hostUid(): number | string {
  const uid = process.getuid?.();
  if (uid === undefined) return "user";
  try {
    for (const line of readFileSync("/proc/self/uid_map", "utf8").trim().split("\n")) {
      const [inside, outside, count] = line.trim().split(/\s+/).map(Number);
      if (uid >= inside && uid < inside + count) return outside + (uid - inside);
    }
  } catch {
    // no /proc: the uid as seen here
  }
  return uid;
}

/** Usable for locks: made if missing, writable, and (the fallback) ours alone. */
function usable(dir: string, mustBeOurs: boolean): string | undefined {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    accessSync(dir, constants.W_OK);
    const { uid, mode } = statSync(dir);
    if (mustBeOurs && (uid !== process.getuid?.() || (mode & 0o077) !== 0))
      return `${dir}: owned by uid ${uid} with mode ${(mode & 0o777).toString(8)}, not ours alone`;
    return undefined;
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return `${dir}: ${code ?? message}`;
  }
}

/**
 * The driver's state dir (KV_STATE_DIR, /run/kv-flexvol on a node); where that is not ours
 * to write (a user namespace, a non-root run), the user's own directory in the temp dir.
 */
export function lockDirectory(stateDir = stateDirectory(), tempDir = tmpdir()): string {
  const refusals: string[] = [];
  for (const [dir, mustBeOurs] of [
    [stateDir, false],
    [userFallback(tempDir), true],
  ] as const) {
    const refusal = usable(dir, mustBeOurs);
    if (refusal === undefined) return dir;
    refusals.push(refusal);
  }
  throw new VolumeError(
    `cannot make a lock directory: ${refusals.join("; ")}; set KV_STATE_DIR to a directory this user may write`,
  );
}

/** Who holds a lock: "<pid> <start time>". */
const HOLDER = `${SELF.pid} ${SELF.started ?? ""}`.trim();

function holderIsAlive(text: string): boolean | undefined {
  const [pidText, started, ...rest] = text.trim().split(" ");
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0 || rest.length > 0) return undefined;
  // A lock written without a start time (by an older driver) is judged by its pid alone.
  return isAlive({ pid, started });
}

/**
 * A lock file is written in the same instant it is made: one that still names no holder
 * after this long belongs to a call that died in between.
 */
const INSTANT_MS = 5_000;

/** A lock is stale when its holder died, or named no holder for longer than an instant. */
function holderGone(text: string, ageMs: number): boolean {
  const alive = holderIsAlive(text);
  return alive === undefined ? ageMs > INSTANT_MS : !alive;
}

export type Release = () => void;

/** Waits for the lock on `dir`; gives up when `signal` aborts (the mount's deadline). */
export async function lockMountDir(dir: string, signal?: AbortSignal): Promise<Release> {
  const path = join(lockDirectory(), createHash("sha256").update(resolve(dir)).digest("hex").slice(0, 32) + ".lock");
  for (;;) {
    let held: FileIdentity | undefined;
    try {
      held = createLockFile(path, HOLDER);
    } catch (error) {
      throw new VolumeError(`cannot lock ${dir}: ${(error as Error).message}`);
    }
    // Released only if still this call's: never a lock another call took after this one's was removed.
    if (held) return () => releaseLockFile(path, held);
    if (signal?.aborted) throw new VolumeError(`another call is still working on ${dir}; kubelet will retry`);
    removeIfStale(path, HOLDER, holderGone);
    await new Promise((wake) => setTimeout(wake, POLL_MS));
  }
}
