// kubelet may call mount for the same <dir> again while the first call still runs (it
// retries on its own schedule). One lock per <dir> makes the calls take turns: the
// second then finds the volume mounted and succeeds without fetching. The file calls
// are synchronous: each is one quick syscall, and nothing else is in flight yet.
import { createHash } from "node:crypto";
import { accessSync, closeSync, constants, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
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

/** Removes a lock whose holder died, so a crashed call never blocks a volume forever. */
function removeIfStale(path: string): void {
  let holder = NaN;
  try {
    holder = Number(readFileSync(path, "utf8"));
  } catch {
    // released meanwhile
  }
  if (Number.isInteger(holder) && holder > 0 && !isAlive(holder)) removeQuietly(path);
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
