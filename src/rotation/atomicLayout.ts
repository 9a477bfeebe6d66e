// Kubelet's atomic-writer layout (pkg/volume/util/atomic_writer.go), as a rotating volume
// holds it:
//
//   <dir>/db-password -> ..data/db-password      one relative symlink per file
//   <dir>/..data      -> ..2026_11_23_10_00_00.Ab3xYz   the current set
//   <dir>/..2026_11_23_10_00_00.Ab3xYz/db-password      the files themselves
//
// Relative links, because the container sees the volume at another path. A new set is
// written whole into a new hidden directory, then `..data` is replaced in one rename(2): a
// reader opening <dir>/<name> gets the old file or the new one, whole, and one that opens
// `..data/` sees one consistent set. The replaced set stays until the next write: an open()
// that resolved `..data` just before the swap still finds its file (kubelet removes it at
// once, and such an open fails with ENOENT). So a volume holds at most two sets, as its tmpfs
// is sized for, while the next write is made.
//
// Synchronous throughout: once the first file of a new set is written nothing else of the
// process runs (no await, no signal handler) until `..data` names it. A process killed in
// between (SIGKILL) leaves a hidden directory that `..data` does not name (and perhaps a
// temporary link): no reader sees it, and the next write removes it. A refresh writes only
// under the volume's refresh lock (volumeLock.ts): one writer at a time.
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { basename, join } from "node:path";
import type { VolumeFile } from "../model/volumeFile";
import { writeFile, type FileOwnership } from "../volume/writeVolume";

export const DATA_LINK = "..data";
/**
 * Links made aside, then renamed over `..data` or a visible name: named per write, so no other
 * writer removes or renames one; those a killed writer left are removed with its set.
 */
const LINK_TMP = "..link_tmp.";
/** Sets and temporary links start with ".."; no file of a rotating volume may (options/rotation.ts). */
const HIDDEN = "..";

/** `..2026_11_23_10_00_00.`: the prefix kubelet gives its sets (mkdtemp adds a random part). */
function setPrefix(now: Date): string {
  const [date, time] = now.toISOString().slice(0, 19).split("T");
  return `${HIDDEN}${date.replace(/-/g, "_")}_${time.replace(/:/g, "_")}.`;
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === "ENOENT";
}

/** The name of the set `..data` points at, if the volume has the layout. */
export function currentSet(dir: string): string | undefined {
  try {
    return readlinkSync(join(dir, DATA_LINK));
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/** What the current set holds of `fileNames`, read through `..data` (files it lacks are left out). */
export function readCurrentFiles(dir: string, fileNames: readonly string[]): Map<string, Buffer> {
  const found = new Map<string, Buffer>();
  for (const name of fileNames) {
    try {
      found.set(name, readFileSync(join(dir, DATA_LINK, name)));
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }
  return found;
}

/** Makes `path` a symlink to `target`, replacing what is there in one rename. */
function replaceWithLink(dir: string, target: string, path: string): void {
  const tmp = join(dir, `${LINK_TMP}${randomBytes(6).toString("hex")}`);
  symlinkSync(target, tmp);
  renameSync(tmp, path);
}

/** Each visible name a link into `..data`; already right on every refresh after the first. */
function linkVisibleNames(dir: string, files: readonly VolumeFile[]): void {
  for (const { fileName } of files) {
    const target = `${DATA_LINK}/${fileName}`;
    const path = join(dir, fileName);
    let existing: string | undefined;
    try {
      existing = lstatSync(path).isSymbolicLink() ? readlinkSync(path) : "";
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
    if (existing !== target) replaceWithLink(dir, target, path);
  }
}

/**
 * Every hidden set but `keep`, and never the one `..data` names when it is removed (read again
 * for each): the set replaced by the last write, and the sets and temporary links a killed
 * writer left. On a live volume only under its refresh lock (volumeLock.ts), which makes those
 * a dead writer's.
 */
export function removeOtherSets(dir: string, keep: string | undefined): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const leftLink = entry.isSymbolicLink() && entry.name.startsWith(LINK_TMP);
    const set = entry.isDirectory() && entry.name.startsWith(HIDDEN);
    if (leftLink || (set && entry.name !== keep && entry.name !== currentSet(dir)))
      rmSync(join(dir, entry.name), { recursive: true, force: true });
  }
}

/**
 * Writes `files` as the volume's new current set in `dir` (a first write makes the layout); the
 * set it replaces stays until the next write. If it throws before the swap, the old set is
 * still current and whole, and the partial new one is gone.
 */
export function writeAtomicSet(dir: string, files: readonly VolumeFile[], ownership: FileOwnership): void {
  removeOtherSets(dir, currentSet(dir));
  const setPath = mkdtempSync(join(dir, setPrefix(new Date())));
  const set = basename(setPath);
  try {
    // mkdtemp makes it 0700: readable by root only, not by the pod's non-root containers.
    chmodSync(setPath, 0o755);
    for (const file of files) writeFile(setPath, file, ownership);
    replaceWithLink(dir, set, join(dir, DATA_LINK));
  } catch (error) {
    if (currentSet(dir) !== set) rmSync(setPath, { recursive: true, force: true });
    throw error;
  }
  linkVisibleNames(dir, files);
}
