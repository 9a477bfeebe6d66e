// mount(8) and umount(8) for the tmpfs that holds a volume's files (in memory only, never on
// the node's disk). Each command is bounded by a deadline: kubelet waits for a call forever.
import { spawnSync } from "node:child_process";
import { VolumeError } from "../errors";
import { findMount, readMountInfo } from "./mountInfo";

const PAGE = 4096;
/** Room for the kernel's own bookkeeping and for kubelet to relabel or chown. */
const HEADROOM = 1024 * 1024;

/** When a call's commands must have finished, and the limit a message names when one has not. */
export interface Deadline {
  endsAt: number;
  /** e.g. "the mount's 60s deadline (option mounttimeout)". */
  name: string;
}

export function deadlineIn(ms: number, name: string): Deadline {
  return { endsAt: Date.now() + ms, name };
}

/** tmpfs size that fits the files: each takes whole pages. */
export function tmpfsSize(fileSizes: readonly number[]): number {
  return fileSizes.reduce((total, size) => total + Math.ceil(size / PAGE) * PAGE, 0) + HEADROOM;
}

/**
 * Synchronous: whenever a call runs mount(8) or umount(8), nothing else of it is in flight,
 * and without the event loop's pipes and streams the command takes less of the call.
 */
function runMountCommand(command: string, args: string[], deadline: Deadline): void {
  const shown = `${command} ${args.join(" ")}`;
  const timeout = deadline.endsAt - Date.now();
  if (timeout <= 0) throw new VolumeError(`${shown} not run: ${deadline.name} has passed`);
  const run = spawnSync(command, args, {
    timeout,
    killSignal: "SIGKILL",
    stdio: ["ignore", "ignore", "pipe"],
    encoding: "utf8",
  });
  if (run.status === 0) return;
  const said = run.stderr?.trim();
  const timedOut = run.error !== undefined && "code" in run.error && run.error.code === "ETIMEDOUT";
  const ended = timedOut
    ? `no answer before ${deadline.name}`
    : run.signal
      ? `stopped by ${run.signal}`
      : run.error?.message;
  const reason = ended ? [ended, said].filter(Boolean).join(": ") : said || `exit status ${run.status}`;
  throw new VolumeError(`${shown} failed: ${reason}`);
}

/** mode=0755, never tmpfs' world-writable default. */
export function mountTmpfs(dir: string, sizeBytes: number, deadline: Deadline): void {
  runMountCommand("mount", ["-t", "tmpfs", "-o", `mode=0755,size=${sizeBytes}`, "tmpfs", dir], deadline);
}

/**
 * Moves the mount at `from` onto `to` in one step: `to` has nothing, then all of it.
 * `--no-mtab`: after a move, mount(8) rewrites /run/mount/utab, which only the node's root
 * may write; inside a user namespace (a non-root `npm test`) that fails a move that was
 * made. The kernel's mount table is the one that counts.
 */
export function moveMount(from: string, to: string, deadline: Deadline): void {
  runMountCommand("mount", ["--no-mtab", "--move", from, to], deadline);
}

/** Makes `dir` a private mount of its own: a bind mount onto itself unless it is a mount point already. */
export function makePrivateMount(dir: string, alreadyMounted: boolean, deadline: Deadline): void {
  runMountCommand("mount", alreadyMounted ? ["--make-private", dir] : ["--bind", "--make-private", dir, dir], deadline);
}

export function unmount(dir: string, deadline: Deadline): void {
  runMountCommand("umount", [dir], deadline);
}

/** More than kubelet, a driver or a person would ever stack at one dir. */
const MAX_LAYERS = 16;

/**
 * Unmounts everything stacked at `dir`, topmost first (an older driver or a person may have
 * mounted it twice): with one layer left, the secrets would stay behind. Returns how many.
 */
export function unmountAll(dir: string, deadline: Deadline): number {
  let layers = 0;
  for (; findMount(readMountInfo(), dir); layers++) {
    if (layers === MAX_LAYERS) throw new VolumeError(`${dir} is still mounted after ${MAX_LAYERS} unmounts`);
    unmount(dir, deadline);
  }
  return layers;
}
