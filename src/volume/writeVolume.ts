// Writes a volume's files into its fresh tmpfs. Each file appears whole or not at all:
// written in a hidden staging directory on the same tmpfs, then renamed into place.
//
// Synchronous on purpose: by now every object is fetched and nothing else is in flight,
// and a tmpfs write never waits on a disk. Through libuv's thread pool the same five
// calls per file cost about 10 ms more for 100 files (docs/performance.md).
import { closeSync, fchmodSync, fchownSync, mkdtempSync, openSync, readdirSync, renameSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { VolumeFile } from "../vault/fetchObjects";

/** A file name cannot be a directory: a pod's alias never looks like this. */
const STAGING_PREFIX = ".staging-";

export interface FileOwnership {
  mode: number;
  /** The pod's fsGroup: files belong to it so non-root containers can read them. */
  gid?: number;
}

function stageFile(staging: string, file: VolumeFile, { mode, gid }: FileOwnership): string {
  const path = join(staging, file.fileName);
  const fd = openSync(path, "wx", mode);
  try {
    writeFileSync(fd, file.content);
    // open() applies the umask; set exactly the mode the pod asked for.
    fchmodSync(fd, mode);
    if (gid !== undefined) fchownSync(fd, -1, gid);
  } finally {
    closeSync(fd);
  }
  return path;
}

/** File names are validated plain names (no `/`, `.`, `..`), so nothing lands outside `dir`. */
export function writeVolume(dir: string, files: readonly VolumeFile[], ownership: FileOwnership): void {
  // A staging directory's random name cannot collide with a pod's file names.
  const staging = mkdtempSync(join(dir, STAGING_PREFIX));
  const staged = files.map((file) => stageFile(staging, file, ownership));
  staged.forEach((path, i) => renameSync(path, join(dir, files[i].fileName)));
  rmdirSync(staging);
}

/**
 * A volume whose writing never finished: nothing in it yet, or its staging directory still
 * there (the staging directory goes last). A call that died between mounting the tmpfs and
 * finishing, or whose clean-up after a failed write failed too, leaves one behind.
 */
export function isUnfinished(dir: string): boolean {
  const entries = readdirSync(dir, { withFileTypes: true });
  return entries.length === 0 || entries.some((entry) => entry.isDirectory() && entry.name.startsWith(STAGING_PREFIX));
}
