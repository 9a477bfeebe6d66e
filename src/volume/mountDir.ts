// Checks on the `<dir>` argument kubelet passes to mount and unmount.
import { realpathSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join } from "node:path";
import { OptionError, VolumeError } from "../errors";

/** kubelet always passes an absolute path under its pods directory. */
export function requireMountDir(dir: string | undefined): string {
  if (!dir) throw new OptionError("<dir>", "missing; kubelet calls 'kv mount <dir> <json-options>' and 'kv unmount <dir>'");
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
  if (stats && !stats.isDirectory()) throw new VolumeError(`${dir} exists and is not a directory; remove it or pass a directory`);
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
