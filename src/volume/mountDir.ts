// Checks on the `<dir>` argument kubelet passes to mount and unmount.
import { realpathSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join } from "node:path";
import { OptionError, VolumeError } from "../errors";
import type { MountEntry } from "./mountInfo";

/** kubelet always passes an absolute path under its pods directory. */
export function requireMountDir(dir: string | undefined): string {
  if (!dir)
    throw new OptionError("<dir>", "missing; kubelet calls 'kv mount <dir> <json-options>' and 'kv unmount <dir>'");
  if (!isAbsolute(dir)) throw new OptionError("<dir>", `'${dir}' is not an absolute path`);
  return dir;
}

/** A `<dir>` that exists must be a directory: mounting over a file would hide it. */
export function requireDirectoryOrAbsent(dir: string): void {
  let stats;
  try {
    stats = statSync(dir, { throwIfNoEntry: false });
  } catch (error) {
    throw new VolumeError(`cannot inspect ${dir}: ${(error as Error).message}`);
  }
  if (stats && !stats.isDirectory())
    throw new VolumeError(`${dir} exists and is not a directory; remove it or pass a directory`);
}

/**
 * `dir` as /proc/self/mountinfo names it, symlinks resolved as the kernel resolves them (a
 * node's /var/lib/kubelet may be a symlink, and a mount looked up by the other spelling is
 * never found). The part that does not exist yet is kept as given; mount makes it, or
 * says why it cannot.
 */
export function canonicalMountDir(dir: string): string {
  const missing: string[] = [];
  for (let path = dir; ; path = dirname(path)) {
    try {
      // native: libc's realpath(3); Node's own collapses '..' before following symlinks.
      return join(realpathSync.native(path), ...missing);
    } catch (error) {
      const { code } = error as NodeJS.ErrnoException;
      if ((code !== "ENOENT" && code !== "ENOTDIR") || path === dirname(path)) {
        throw new VolumeError(`cannot resolve ${dir}: ${(error as Error).message}`);
      }
      missing.unshift(basename(path));
    }
  }
}

/** Where kubelet puts this driver's volumes; its root (--root-dir, /var/lib/kubelet by default) may be anywhere. */
const VOLUME_DIR_SHAPE = "<kubelet root>/pods/<pod uid>/volumes/azure~kv/<volume name>";

/** One plain path component: a pod's uid (a UUID, or a static pod's hash) or a volume's name. */
const isPlainName = (name: string | undefined) => name !== undefined && name !== "" && name !== "." && name !== "..";

/** Whether `dir` (resolved) is the shape of a kubelet volume directory of this driver (azure/kv, escaped azure~kv). */
export function isVolumeDir(dir: string): boolean {
  const [pods, uid, volumes, plugin, name] = dir.split("/").slice(-5);
  return pods === "pods" && volumes === "volumes" && plugin === "azure~kv" && isPlainName(uid) && isPlainName(name);
}

/**
 * The canonical `<dir>` of a kubelet volume directory of this driver; anything else (`/`,
 * `/etc`, a path whose `..` or symlinks lead out of kubelet's pods) is refused before
 * anything is created, mounted or unmounted.
 */
export function volumeDir(requested: string): string {
  const dir = canonicalMountDir(requested);
  if (!isVolumeDir(dir)) {
    const resolved = dir === requested ? "" : ` (resolved: ${dir})`;
    throw new OptionError(
      "<dir>",
      `'${requested}'${resolved} is not a volume directory of this driver: ` +
        `kubelet passes ${VOLUME_DIR_SHAPE}; nothing ` +
        `was mounted or unmounted`,
    );
  }
  return dir;
}

/** A mount's parent is kubelet's: mount makes only `<dir>` itself, never the tree above it. */
export function requireParentDirectory(dir: string): void {
  const parent = dirname(dir);
  let isDirectory = false;
  try {
    isDirectory = statSync(parent).isDirectory();
  } catch {
    // missing, or a file on the way
  }
  if (!isDirectory) {
    throw new VolumeError(
      `${parent} is not a directory: kubelet makes it, with <dir>, before it calls mount; nothing was mounted`,
    );
  }
}

/** Something other than a tmpfs at `dir`: not this driver's, and left alone. */
export function foreignMount(dir: string, entry: MountEntry, advice: string): VolumeError {
  return new VolumeError(
    `${dir} holds a ${entry.fsType} file system (${entry.source}), not a tmpfs of this driver; it is ` +
      `left alone: ${advice}`,
  );
}
