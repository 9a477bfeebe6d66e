// How a mount lays out its files on the volume's staging tmpfs (volume/staging.ts): plain
// files exactly as v0.0.17 wrote them, or, for a volume that rotates, kubelet's atomic-writer
// layout (atomicLayout.ts), whose refreshes later swap a whole new set in one rename inside
// the live tmpfs.
import type { VolumeFile } from "../model/volumeFile";
import type { VolumeBuild } from "../volume/staging";
import { writeVolume, type FileOwnership } from "../volume/writeVolume";
import { writeAtomicSet } from "./atomicLayout";

export function volumeBuild(
  files: readonly VolumeFile[],
  ownership: FileOwnership,
  { rotating }: { rotating: boolean },
): VolumeBuild {
  const sizes = files.map((file) => file.content.length);
  if (!rotating) return { fileSizes: sizes, write: (dir) => writeVolume(dir, files, ownership) };
  // A refresh writes its whole new set before it removes the old one: room for both.
  return { fileSizes: [...sizes, ...sizes], write: (dir) => writeAtomicSet(dir, files, ownership) };
}
