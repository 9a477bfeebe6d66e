// kubelet may call mount for the same <dir> again while the first call still runs (it
// retries on its own schedule). One lock per <dir> makes the calls take turns: the
// second then finds the volume mounted and succeeds without fetching.
import { createHash } from "node:crypto";
import { mkdirSync, accessSync, constants } from "node:fs";
import { open, readFile, unlink } from "node:fs/promises";
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

/** Removes a lock whose holder died, so a crashed call never blocks a volume forever. */
async function removeIfStale(path: string): Promise<void> {
  const holder = Number(await readFile(path, "utf8").catch(() => ""));
  if (Number.isInteger(holder) && holder > 0 && !isAlive(holder)) await unlink(path).catch(() => undefined);
}

export type Release = () => Promise<void>;

/** Waits for the lock on `dir`; gives up when `signal` aborts (the mount's deadline). */
export async function lockMountDir(dir: string, signal?: AbortSignal): Promise<Release> {
  const path = join(lockDirectory(), createHash("sha256").update(resolve(dir)).digest("hex").slice(0, 32) + ".lock");
  for (;;) {
    try {
      const handle = await open(path, "wx", 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => unlink(path).catch(() => undefined);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw new VolumeError(`cannot lock ${dir}: ${(error as Error).message}`);
    }
    if (signal?.aborted) throw new VolumeError(`another call is still working on ${dir}; kubelet will retry`);
    await removeIfStale(path);
    await new Promise((wake) => setTimeout(wake, POLL_MS));
  }
}
