// The refresh of one rotating volume: the objects it asks the vault for, and the new set it
// writes when anything changed. All or nothing: it is only called with every object fetched,
// and it writes a whole new set or nothing.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { withEnvFile } from "../content/envFile";
import { VolumeError } from "../errors";
import type { ObjectSpec } from "../model/objectSpec";
import type { VolumeFile } from "../model/volumeFile";
import type { VolumeOptions } from "../model/volumeOptions";
import { currentSet, DATA_LINK, readCurrentFiles, removeOtherSets, writeAtomicSet } from "./atomicLayout";
import { holdMountedVolume } from "./mountedVolume";
import { lockVolume } from "./volumeLock";

export type VolumeChange =
  /** A new set is current; `files` differ from the old one. */
  | { result: "changed"; files: string[] }
  | { result: "unchanged" }
  /** No tmpfs at <dir> any more: nothing was written. */
  | { result: "dropped" };

/** Every object but those pinned to a version whose file the volume holds already: they cannot change. */
export function objectsToFetch(dir: string, options: VolumeOptions): ObjectSpec[] {
  return options.objects.filter((spec) => !spec.version || !existsSync(join(dir, DATA_LINK, spec.fileName)));
}

/**
 * Puts `fetched` (the objects objectsToFetch named, all of them) in place, with the pinned
 * files carried over from the current set. Synchronous from the hold to its release, and under
 * the volume's refresh lock from reading the current set to the last clean-up: another
 * refresher at work on the same volume waits its turn.
 */
export function applyRefresh(dir: string, options: VolumeOptions, fetched: readonly VolumeFile[]): VolumeChange {
  const held = holdMountedVolume(dir);
  if (!held) return { result: "dropped" };
  try {
    const unlock = lockVolume(dir, options.mountTimeoutSeconds * 1000);
    try {
      return applyLocked(dir, options, fetched);
    } finally {
      unlock();
    }
  } finally {
    held.release();
  }
}

function applyLocked(dir: string, options: VolumeOptions, fetched: readonly VolumeFile[]): VolumeChange {
  const objectFiles = options.objects.map((spec) => spec.fileName);
  const current = readCurrentFiles(dir, options.envFile ? [...objectFiles, options.envFile] : objectFiles);
  const fetchedByName = new Map(fetched.map((file) => [file.fileName, file.content]));
  // The env file is made anew from the objects' new contents, as a mount makes it.
  const files = withEnvFile(
    options,
    objectFiles.map((fileName): VolumeFile => {
      const content = fetchedByName.get(fileName) ?? current.get(fileName);
      if (!content) throw new VolumeError(`${dir}: ${fileName} was neither fetched nor in the current set`);
      return { fileName, content };
    }),
  );
  const changed = files
    .filter(({ fileName, content }) => !current.get(fileName)?.equals(content))
    .map((file) => file.fileName);
  const set = currentSet(dir);
  if (changed.length === 0 && set) {
    removeOtherSets(dir, set); // the set the last write replaced, and what a killed refresh left
    return { result: "unchanged" };
  }
  writeAtomicSet(dir, files, { mode: options.fileMode, gid: options.fsGroup });
  return { result: "changed", files: changed };
}
