// Parses /proc/self/mountinfo (proc(5)): the kernel's own record of what is mounted.

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  /** Per-mount options (field 6) and per-superblock options (after the fstype), merged. */
  options: string[];
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
      mountPoint: unescapeOctal(fields[4]),
      fsType: fields[separator + 1],
      options: [...fields[5].split(","), ...fields[separator + 3].split(",")],
    });
  }
  return entries;
}

/** The topmost mount at `path`, if any. */
export function findMount(entries: readonly MountEntry[], path: string): MountEntry | undefined {
  return entries.filter((entry) => entry.mountPoint === path).pop();
}
