// A refresh writes only into the volume's own tmpfs. Were <dir> unmounted between a check and
// the writes, they would land in the directory beneath it, on the node's disk: secrets
// where no secret belongs. So the refresher holds the tmpfs open while it writes (a mount
// with an open file cannot be unmounted: umount fails with EBUSY, including from the host
// when the refresher sees it through mount propagation, and kubelet retries), and checks,
// once it holds it, that what it holds is the tmpfs mounted at <dir>.
import { closeSync, constants, fstatSync, openSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { mountedAt } from "../volume/tmpfs";

export interface HeldVolume {
  release(): void;
}

function deviceOf(path: string): number | undefined {
  try {
    return statSync(path).dev;
  } catch {
    return undefined;
  }
}

/** Whether a tmpfs is mounted at `dir` now (no hold: for deciding what to fetch). */
export function isMountedTmpfs(dir: string): boolean {
  return mountedAt(dir) === "tmpfs";
}

/**
 * Holds the tmpfs mounted at `dir`; undefined when none is. It is the one mounted there when,
 * held open, it lies on another device than <dir>'s parent and mountinfo lists a tmpfs at <dir>.
 */
export function holdMountedVolume(dir: string): HeldVolume | undefined {
  let fd: number;
  try {
    fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch {
    return undefined; // gone with its pod
  }
  const held = fstatSync(fd).dev;
  if (isMountedTmpfs(dir) && held !== deviceOf(dirname(dir)) && held === deviceOf(dir)) return { release: () => closeSync(fd) };
  closeSync(fd);
  return undefined;
}
