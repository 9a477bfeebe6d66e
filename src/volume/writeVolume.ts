// Writes a volume's files into its fresh tmpfs. Each file appears whole or not at all:
// written in a hidden staging directory on the same tmpfs, then renamed into place.
import { mkdtemp, open, rename, rmdir } from "node:fs/promises";
import { join } from "node:path";
import type { VolumeFile } from "../vault/fetchObjects";

export interface FileOwnership {
  mode: number;
  /** The pod's fsGroup: files belong to it so non-root containers can read them. */
  gid?: number;
}

async function stageFile(staging: string, file: VolumeFile, { mode, gid }: FileOwnership): Promise<string> {
  const path = join(staging, file.fileName);
  const handle = await open(path, "wx", mode);
  try {
    await handle.writeFile(file.content);
    // open() applies the umask; set exactly the mode the pod asked for.
    await handle.chmod(mode);
    if (gid !== undefined) await handle.chown(-1, gid);
  } finally {
    await handle.close();
  }
  return path;
}

/** File names are validated plain names (no `/`, `.`, `..`), so nothing lands outside `dir`. */
export async function writeVolume(dir: string, files: readonly VolumeFile[], ownership: FileOwnership): Promise<void> {
  // A staging directory's random name cannot collide with a pod's file names.
  const staging = await mkdtemp(join(dir, ".staging-"));
  const staged = await Promise.all(files.map((file) => stageFile(staging, file, ownership)));
  await Promise.all(staged.map((path, i) => rename(path, join(dir, files[i].fileName))));
  await rmdir(staging);
}
