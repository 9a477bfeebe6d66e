// Mounting and unmounting the tmpfs that holds a volume's files. The files live in
// memory only, never on the node's disk.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { VolumeError } from "../errors";
import { findMount, parseMountInfo } from "./mountInfo";

const PAGE = 4096;
const TIMEOUT_MS = 30_000;
/** Room for the kernel's own bookkeeping and for kubelet to relabel or chown. */
const HEADROOM = 1024 * 1024;

/** The file system type mounted at `dir` (the topmost mount), if any. */
export function mountedAt(dir: string): string | undefined {
  const text = readFileSync("/proc/self/mountinfo", "utf8");
  return findMount(parseMountInfo(text), resolve(dir))?.fsType;
}

function isMounted(dir: string): boolean {
  return mountedAt(dir) !== undefined;
}

/** tmpfs size that fits the files: each takes whole pages. */
export function tmpfsSize(fileSizes: readonly number[]): number {
  return fileSizes.reduce((total, size) => total + Math.ceil(size / PAGE) * PAGE, 0) + HEADROOM;
}

/**
 * Synchronous: whenever a call runs mount(8) or umount(8), nothing else of it is in flight,
 * and without the event loop's pipes and streams the command takes less of the call.
 */
function runMountCommand(command: string, args: string[]): void {
  const { status, signal, error, stderr } = spawnSync(command, args, { timeout: TIMEOUT_MS, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  if (status === 0) return;
  const said = stderr?.trim();
  const timedOut = (error as NodeJS.ErrnoException | undefined)?.code === "ETIMEDOUT";
  const ended = timedOut ? `no answer in ${TIMEOUT_MS / 1000} s` : signal ? `stopped by ${signal}` : error?.message;
  const reason = ended ? [ended, said].filter(Boolean).join(": ") : said || `exit status ${status}`;
  throw new VolumeError(`${command} ${args.join(" ")} failed: ${reason}`);
}

/** mode=0755, never tmpfs' world-writable default. */
export function mountTmpfs(dir: string, sizeBytes: number): void {
  runMountCommand("mount", ["-t", "tmpfs", "-o", `mode=0755,size=${sizeBytes}`, "tmpfs", dir]);
}

export function unmountTmpfs(dir: string): void {
  runMountCommand("umount", [dir]);
}

/** More than kubelet, a driver or a person would ever stack at one dir. */
const MAX_LAYERS = 16;

/**
 * Unmounts everything stacked at `dir`, topmost first (an older driver or a person may have
 * mounted it twice): with one layer left, the secrets would stay behind. Returns how many.
 */
export function unmountAll(dir: string): number {
  let layers = 0;
  for (; isMounted(dir); layers++) {
    if (layers === MAX_LAYERS) throw new VolumeError(`${dir} is still mounted after ${MAX_LAYERS} unmounts`);
    unmountTmpfs(dir);
  }
  return layers;
}
