// Parses /proc/self/mountinfo (proc(5)): the kernel's own record of what is mounted.
import { readFileSync } from "node:fs";

export interface MountEntry {
  /** Unique while mounted, and kept by `mount --move`: a mount's identity wherever it goes. */
  mountId: number;
  mountPoint: string;
  fsType: string;
  /** What was mounted: a device, or the name a tmpfs was given (`tmpfs`). */
  source: string;
  /** Per-mount options (field 6) and per-superblock options (after the fstype), merged. */
  options: string[];
  /** In a peer group (`shared:N`): mounts under it propagate, and none can be moved out of it. */
  shared: boolean;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export function parseMountInfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split("\n")) {
    const fields = line.split(" ");
    const separator = fields.indexOf("-", 6);
    if (separator < 0 || fields.length < separator + 4) continue;
    entries.push({
      mountId: Number(fields[0]),
      mountPoint: unescapeOctal(fields[4]),
      fsType: fields[separator + 1],
      source: unescapeOctal(fields[separator + 2]),
      options: [...fields[5].split(","), ...fields[separator + 3].split(",")],
      shared: fields.slice(6, separator).some((tag) => tag.startsWith("shared:")),
    });
  }
  return entries;
}

/** This process's mount table, now. */
export function readMountInfo(): MountEntry[] {
  return parseMountInfo(readFileSync("/proc/self/mountinfo", "utf8"));
}

/** Every mount stacked at `path`, bottom first. */
export function mountsAt(entries: readonly MountEntry[], path: string): MountEntry[] {
  return entries.filter((entry) => entry.mountPoint === path);
}

/** The topmost mount at `path`, if any. */
export function findMount(entries: readonly MountEntry[], path: string): MountEntry | undefined {
  return mountsAt(entries, path).pop();
}
