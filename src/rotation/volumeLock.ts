// One refresh at a time per volume. Two refreshers may run at once on a node (the DaemonSet's,
// and `kv refresh --once --force` run by hand on the node): two writers interleaving their swap
// and clean-up could remove the set the other just made current. So a refresh writes only
// while it holds `<dir>/..refresh.lock`, made with O_EXCL inside the volume's own tmpfs: both
// refreshers see that tmpfs (the container through mount propagation), the lock goes with the
// volume, and it names no process, since the refresher container does not see the host's pids.
// A lock left by a killed refresh is taken over once older than the refresh's deadline; a
// live one is held only for the synchronous write of one set (milliseconds).
//
// Its name starts with "..", as the layout's own entries do (no file of a rotating volume may);
// it is a file, not a set, and world-readable, so a program reading every entry of the volume
// does not stumble on it.
import { join } from "node:path";
import { VolumeError } from "../errors";
import { createLockFile, releaseLockFile, removeIfStale } from "../volume/lockFile";

export const VOLUME_LOCK = "..refresh.lock";
/** How long a refresh waits for another one's write to end before it fails (and is retried). */
const WAIT_MS = 5_000;
const POLL_MS = 20;
const HOLDER = "kv refresh\n";
const MODE = 0o644;

/** Sleeps without returning to the event loop: the refresh's write stays synchronous (atomicLayout.ts). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Takes the refresh lock of the volume at `dir` (held open by the caller, so it is the tmpfs);
 * a lock older than `staleAfterMs` is a killed refresh's. Throws when another refresh keeps it.
 */
export function lockVolume(dir: string, staleAfterMs: number): () => void {
  const path = join(dir, VOLUME_LOCK);
  const stale = (_holder: string, ageMs: number) => ageMs > staleAfterMs;
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const held = createLockFile(path, HOLDER, MODE);
    if (held) return () => releaseLockFile(path, held);
    removeIfStale(path, HOLDER, stale, MODE);
    if (Date.now() >= deadline)
      throw new VolumeError(
        `${dir}: another refresh is writing this volume (${VOLUME_LOCK}); ` +
          `a lock left by a killed refresh is taken over after ${Math.round(staleAfterMs / 1000)} s`,
      );
    pause(POLL_MS);
  }
}
