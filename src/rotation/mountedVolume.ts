// A refresh writes only into the volume's own tmpfs. Were <dir> unmounted between a check and
// the writes, they would land in the directory beneath it, on the node's disk: secrets
// where no secret belongs. So the refresher holds the tmpfs open while it writes (a mount
// with an open file cannot be unmounted: umount fails with EBUSY, including from the host
// when the refresher sees it through mount propagation, and kubelet retries), and checks,
// once it holds it, that what it holds is the tmpfs mounted at <dir>.
import { closeSync, constants, fstatSync, openSync, statfsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { VolumeError } from "../errors";
import { messageOf } from "../log";
import { readMountInfo } from "../volume/mountInfo";

/** statfs(2)'s f_type of a tmpfs (linux/magic.h). */
const TMPFS_MAGIC = 0x01021994;

export interface HeldVolume {
  release(): void;
}

/**
 * Where a tmpfs is mounted now (the topmost mount at each point), from one read of
 * /proc/self/mountinfo: a pass looks up all its volumes in one snapshot.
 */
export function tmpfsMountPoints(): Set<string> {
  const topmost = new Map<string, string>();
  for (const entry of readMountInfo()) topmost.set(entry.mountPoint, entry.fsType);
  return new Set([...topmost].filter(([, fsType]) => fsType === "tmpfs").map(([mountPoint]) => mountPoint));
}

/** The errors that mean <dir> (or its parent) is not there any more: the volume went with its pod. */
function isGone(error: unknown): boolean {
  const { code } = error as NodeJS.ErrnoException;
  return code === "ENOENT" || code === "ENOTDIR";
}

const causeOf = (error: unknown) => (error as NodeJS.ErrnoException).code ?? messageOf(error);

function deviceOf(path: string): number | undefined {
  try {
    return statSync(path).dev;
  } catch (error) {
    if (isGone(error)) return undefined;
    throw error;
  }
}

/**
 * Holds the tmpfs mounted at `dir`; undefined when none is. What it holds is that tmpfs when,
 * held open, it is a tmpfs on another device than <dir>'s parent (so a mount point) and
 * <dir> still names it. Any other error than <dir> being gone (EMFILE, EACCES, EIO, ...)
 * throws: the refresh fails and is retried, and the volume's record stays.
 */
export function holdMountedVolume(dir: string): HeldVolume | undefined {
  let fd: number;
  try {
    fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (error) {
    if (isGone(error)) return undefined; // gone with its pod
    throw new VolumeError(`cannot open ${dir} to refresh it: ${causeOf(error)}`);
  }
  try {
    const held = fstatSync(fd).dev;
    if (statfsSync(dir).type === TMPFS_MAGIC && held !== deviceOf(dirname(dir)) && held === deviceOf(dir))
      return { release: () => closeSync(fd) };
  } catch (error) {
    closeSync(fd);
    if (isGone(error)) return undefined; // removed meanwhile
    throw new VolumeError(`cannot check that ${dir} is its volume's tmpfs: ${causeOf(error)}`);
  }
  closeSync(fd);
  return undefined;
}
