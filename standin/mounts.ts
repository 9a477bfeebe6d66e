// Reads the mount table (/proc/<pid>/mountinfo) to check what the driver mounted:
// file system type, mode and size of the tmpfs, read-only or not.
import { spawnSync } from "node:child_process";
import { readFileSync, realpathSync } from "node:fs";

export interface MountEntry {
  mountId: number;
  parentId: number;
  /** Path inside the file system that is mounted (tmpfs: "/"). */
  root: string;
  mountPoint: string;
  /** Per-mount options: rw/ro, nosuid, nodev, noexec, relatime, ... */
  mountOptions: string[];
  /** Propagation: `shared:N`, `master:N`, ...; none for a private mount. */
  optionalFields: string[];
  fsType: string;
  source: string;
  /** Per-superblock options, e.g. { rw: true, size: "1024k", mode: "755" }. */
  superOptions: Record<string, string | true>;
  /** `mode=` as a number (tmpfs), if present. */
  mode?: number;
  /** `size=` in bytes (tmpfs shows k/m/g suffixes), if present. */
  sizeBytes?: number;
}

/** The kernel escapes space, tab, newline and backslash in paths as \ooo octal. */
export function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function parseMountinfo(text: string): MountEntry[] {
  return text
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => {
      // id parent major:minor root mountpoint options [optional fields...] - fstype source superoptions
      const [left, right] = line.split(" - ");
      const [id, parent, , root, mountPoint, options, ...optionalFields] = left.split(" ");
      const [fsType, source, superOpts = ""] = right.split(" ");
      const superOptions: Record<string, string | true> = {};
      for (const opt of superOpts.split(",").filter(Boolean)) {
        const eq = opt.indexOf("=");
        if (eq < 0) superOptions[opt] = true;
        else superOptions[opt.slice(0, eq)] = opt.slice(eq + 1);
      }
      const mode = typeof superOptions.mode === "string" ? parseInt(superOptions.mode, 8) : undefined;
      const size = typeof superOptions.size === "string" ? parseSize(superOptions.size) : undefined;
      return {
        mountId: Number(id),
        parentId: Number(parent),
        root: unescapeMountPath(root),
        mountPoint: unescapeMountPath(mountPoint),
        mountOptions: options.split(","),
        optionalFields,
        fsType,
        source: unescapeMountPath(source),
        superOptions,
        ...(mode !== undefined ? { mode } : {}),
        ...(size !== undefined ? { sizeBytes: size } : {}),
      };
    });
}

function parseSize(s: string): number | undefined {
  const m = /^(\d+)([kmg]?)$/i.exec(s);
  if (!m) return undefined;
  const unit = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as "" | "k" | "m" | "g"];
  return Number(m[1]) * unit;
}

/**
 * The mount at `path` (the topmost, if several are stacked there), or undefined.
 * `mountinfo` defaults to this process's view; pass /proc/<pid>/mountinfo to look
 * into another mount namespace.
 */
export function findMount(path: string, mountinfo = "/proc/self/mountinfo"): MountEntry | undefined {
  let target = path;
  try {
    target = realpathSync(path);
  } catch {
    // A removed directory can still be looked up by its name.
  }
  const entries = parseMountinfo(readFileSync(mountinfo, "utf8")).filter((e) => e.mountPoint === target);
  return entries[entries.length - 1];
}

/** How many mounts are stacked at `path` (by its real path, as mountinfo names it). */
export function mountsAt(path: string, mountinfo = "/proc/self/mountinfo"): number {
  const target = realpathSync(path);
  return parseMountinfo(readFileSync(mountinfo, "utf8")).filter((e) => e.mountPoint === target).length;
}

/** Lazily unmounts everything at or under `root`, the last mounted first (stacked and nested mounts included). */
export function unmountUnder(root: string): void {
  const prefix = realpathSync(root);
  const entries = parseMountinfo(readFileSync("/proc/self/mountinfo", "utf8"));
  for (const { mountPoint } of entries.reverse()) {
    if (mountPoint === prefix || mountPoint.startsWith(`${prefix}/`)) spawnSync("umount", ["-l", mountPoint]);
  }
}
