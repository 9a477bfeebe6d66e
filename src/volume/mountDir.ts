// Checks on the `<dir>` argument kubelet passes to mount and unmount.
import { statSync } from "node:fs";
import { isAbsolute } from "node:path";
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
