// One refresh at a time per volume. Two refreshers may run at once on a node (the DaemonSet's,
// and `kv refresh --once --force` run by hand on the node): two writers interleaving their swap
// and clean-up could remove the set the other just made current. So a refresh writes only
// while it holds `<dir>/..refresh.lock`, made with O_EXCL inside the volume's own tmpfs: both
// refreshers see that tmpfs (the container through mount propagation), and the lock goes with
// the volume.
//
// The lock names its holder by pid namespace, pid and start time: a refresher that finds it
// left by a process of its own namespace that is gone (killed mid-write: OOM, SIGKILL) takes
// it over at once. A holder in another namespace (the container's, seen from the node, or a
// restarted container's predecessor) cannot be looked up, so its lock is taken over once
// older than the refresh's deadline; a live one is held only for the synchronous write of
// one set (milliseconds).
//
// Its name starts with "..", as the layout's own entries do (no file of a rotating volume may);
// it is a file, not a set, and world-readable, so a program reading every entry of the volume
// does not stumble on it.
import { join } from "node:path";
import { VolumeError } from "../errors";
import { createLockFile, releaseLockFile, removeIfStale } from "../volume/lockFile";
import { isAlive, PID_NAMESPACE, SELF } from "../volume/owner";

export const VOLUME_LOCK = "..refresh.lock";
/** How long a refresh waits for another one's write to end before it fails (and is retried). */
const WAIT_MS = 5_000;
const POLL_MS = 20;
const HOLDER = `kv refresh ${PID_NAMESPACE ?? "-"} ${SELF.pid} ${SELF.started ?? "-"}\n`;
const MODE = 0o644;

/** Whether the lock's holder is gone, when it is a process this one can look up. */
export function holderGone(holder: string): boolean | undefined {
  const [kv, refresh, namespace, pidText, started, ...rest] = holder.trim().split(" ");
  const pid = Number(pidText);
  const named = kv === "kv" && refresh === "refresh" && rest.length === 0 && Number.isInteger(pid) && pid > 0;
  // A pid means nothing in another namespace; a holder without a start time could be a reused pid.
  if (!named || PID_NAMESPACE === undefined || namespace !== PID_NAMESPACE || !started || started === "-")
    return undefined;
  return !isAlive({ pid, started });
}

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
  const stale = (holder: string, ageMs: number) => holderGone(holder) ?? ageMs > staleAfterMs;
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
