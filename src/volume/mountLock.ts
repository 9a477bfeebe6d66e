// kubelet may call mount for the same <dir> again while the first call still runs (it
// retries on its own schedule), or unmount it meanwhile. One lock per <dir> makes the
// calls take turns: a second mount then finds the volume mounted and succeeds without
// fetching, and an unmount unmounts what the mount finished. The file calls are
// synchronous: each is one quick syscall, and nothing else is in flight yet.
import { createHash } from "node:crypto";
import { accessSync, closeSync, constants, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { VolumeError } from "../errors";

const POLL_MS = 50;
const RUNTIME_DIR = "/run/kv-flexvol";

/** /run on a node; the temp dir where /run is not ours to write (a user namespace). */
function lockDirectory(): string {
  for (const dir of [RUNTIME_DIR, join(tmpdir(), "kv-flexvol")]) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      accessSync(dir, constants.W_OK);
      return dir;
    } catch {
      // try the next place
    }
  }
  throw new VolumeError(`cannot create a lock directory in ${RUNTIME_DIR} or ${tmpdir()}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already
  }
}

/**
 * A lock file is written in the same instant it is made, and the guard below is held for
 * an instant: one still unnamed, or a guard still there, after this long belongs to a call
 * that died in between.
 */
const INSTANT_MS = 5_000;

const ageOf = (path: string): number => Date.now() - statSync(path).mtimeMs;

function isStale(path: string): boolean {
  try {
    const text = readFileSync(path, "utf8");
    const holder = Number(text);
    const named = text.trim() !== "" && Number.isInteger(holder) && holder > 0;
    return named ? !isAlive(holder) : ageOf(path) > INSTANT_MS;
  } catch {
    return false; // released meanwhile
  }
}

/**
 * Removes a lock whose holder died, so a crashed call never blocks a volume forever. Two
 * waiters could both find the same dead holder's lock, and the slower one remove the lock
 * the faster one had taken since; so only the waiter that holds the guard file looks, and
 * it looks again under the guard.
 */
function removeIfStale(path: string): void {
  const guard = `${path}.check`;
  try {
    closeSync(openSync(guard, "wx", 0o600));
  } catch {
    try {
      if (ageOf(guard) > INSTANT_MS) removeQuietly(guard);
    } catch {
      // released meanwhile
    }
    return;
  }
  try {
    if (isStale(path)) removeQuietly(path);
  } finally {
    removeQuietly(guard);
  }
}

export type Release = () => Promise<void>;

/** Waits for the lock on `dir`; gives up when `signal` aborts (the mount's deadline). */
export async function lockMountDir(dir: string, signal?: AbortSignal): Promise<Release> {
  const path = join(lockDirectory(), createHash("sha256").update(resolve(dir)).digest("hex").slice(0, 32) + ".lock");
  for (;;) {
    try {
      const fd = openSync(path, "wx", 0o600);
      try {
        writeSync(fd, String(process.pid));
      } catch (error) {
        removeQuietly(path);
        throw error;
      } finally {
        closeSync(fd);
      }
      return async () => removeQuietly(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw new VolumeError(`cannot lock ${dir}: ${(error as Error).message}`);
    }
    if (signal?.aborted) throw new VolumeError(`another call is still working on ${dir}; kubelet will retry`);
    removeIfStale(path);
    await new Promise((wake) => setTimeout(wake, POLL_MS));
  }
}
