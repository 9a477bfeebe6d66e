// Lock files made with O_EXCL, and removing a file only while it is still the one judged:
// the mount lock (mountLock.ts), a rotating volume's refresh lock (rotation/volumeLock.ts)
// and a dropped volume's record (refresher/pass.ts) all need that.
import { closeSync, fstatSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";

/** Which file a path named when it was looked at: inode and modification time. */
export type FileIdentity = string;

export function identityOf(stats: { ino: bigint; mtimeNs: bigint }): FileIdentity {
  return `${stats.ino}:${stats.mtimeNs}`;
}

/** Makes `path` holding `holder`; undefined if it exists already. */
export function createLockFile(path: string, holder: string, mode = 0o600): FileIdentity | undefined {
  let fd: number;
  try {
    fd = openSync(path, "wx", mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return undefined;
    throw error;
  }
  try {
    writeSync(fd, holder);
    return identityOf(fstatSync(fd, { bigint: true }));
  } catch (error) {
    unlinkSync(path);
    throw error;
  } finally {
    closeSync(fd);
  }
}

/**
 * Removes `path` only if it is still the file it was: between judging a file and removing it,
 * another process may have replaced it. "gone" when nothing is there; other errors throw.
 */
export function removeIfStill(path: string, identity: FileIdentity): "removed" | "gone" | "replaced" {
  try {
    if (identityOf(statSync(path, { bigint: true })) !== identity) return "replaced";
    unlinkSync(path);
    return "removed";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "gone";
    throw error;
  }
}

/** Releases a lock this process made; one that cannot be removed is left to the stale check. */
export function releaseLockFile(path: string, identity: FileIdentity): void {
  try {
    removeIfStill(path, identity);
  } catch {
    // judged stale later
  }
}

/** Whether a lock file's holder is gone, from what it holds and how long ago it was written. */
export type StaleJudge = (holder: string, ageMs: number) => boolean;

/** The file at `path`, if `judge` finds it stale; read through one descriptor. */
function staleFile(path: string, judge: StaleJudge): FileIdentity | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined; // released meanwhile
  }
  try {
    const stats = fstatSync(fd, { bigint: true });
    const stale = judge(readFileSync(fd, "utf8"), Date.now() - Number(stats.mtimeMs));
    return stale ? identityOf(stats) : undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Removes a lock whose holder is gone, so a crashed holder never blocks it forever. Two
 * waiters could both find the same stale lock, and the slower one remove the lock the
 * faster one had taken since; so only the waiter that holds the guard file looks, and it
 * looks again under the guard. The guard is a lock of the same kind: a waiter that died
 * holding it leaves it stale, and the next waiter removes it.
 */
export function removeIfStale(lock: string, holder: string, judge: StaleJudge, mode = 0o600): void {
  const guardPath = `${lock}.check`;
  const guard = createLockFile(guardPath, holder, mode);
  if (!guard) {
    const staleGuard = staleFile(guardPath, judge);
    if (staleGuard) releaseLockFile(guardPath, staleGuard);
    return;
  }
  try {
    const staleLock = staleFile(lock, judge);
    if (staleLock) releaseLockFile(lock, staleLock);
  } finally {
    releaseLockFile(guardPath, guard);
  }
}
