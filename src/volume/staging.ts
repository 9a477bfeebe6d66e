// A volume is built on a tmpfs of its own in the driver's staging root, outside <dir>, and
// moved onto <dir> in one step once every file is written. Kubelet trusts whatever is
// mounted at <dir> (it never calls mount for a mount point again), so a call killed at any
// moment, or a mount(8) that fails or hangs, leaves there nothing or the whole volume.
// What a killed call leaves in the staging root is named after it, and the next call drops it.
import { mkdirSync, mkdtempSync, readdirSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { log, messageOf } from "../log";
import { stateDirectory } from "../stateDir";
import { findMount, readMountInfo } from "./mountInfo";
import { lockMountDir } from "./mountLock";
import { isAlive, SELF, type Owner } from "./owner";
import {
  deadlineIn,
  makePrivateMount,
  moveMount,
  mountTmpfs,
  tmpfsSize,
  unmount,
  unmountAll,
  type Deadline,
} from "./tmpfs";

/** How long the clean-up after a failure may take, even past the mount's deadline. */
export const CLEAN_UP_MS = 10_000;

export function stagingRoot(): string {
  return join(stateDirectory(), "staging");
}

/** `<pid>-<start time>-<random>`: who made it, judged as lock holders are. */
const OWNED_NAME = /^(\d+)-(\d+)-[^-]+$/;

function ownerOf(name: string): Owner | undefined {
  const match = OWNED_NAME.exec(name);
  return match ? { pid: Number(match[1]), started: match[2] } : undefined;
}

/**
 * `mount --move` refuses to move a mount whose parent is shared, and systemd makes `/` and
 * `/run` shared: the staging root is a private mount of its own, made once per boot.
 */
async function ensurePrivateRoot(root: string, deadline: Deadline, signal: AbortSignal): Promise<void> {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const isPrivate = () => findMount(readMountInfo(), root)?.shared === false;
  if (isPrivate()) return;
  // Calls at a node's start mount many volumes at once: one makes it, the others see it made.
  const release = await lockMountDir(root, signal);
  try {
    if (isPrivate()) return;
    makePrivateMount(root, findMount(readMountInfo(), root) !== undefined, deadline);
    log.info("staging-root-made-private", { staging: root });
  } finally {
    release();
  }
}

/** Drops what killed calls left in the staging root; never a live call's staging mount. */
export function dropDeadStagings(root: string, deadline: Deadline): void {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return; // no mount made one yet
  }
  for (const name of names) {
    const owner = ownerOf(name);
    if (!owner || isAlive(owner)) continue;
    const path = join(root, name);
    try {
      const layers = unmountAll(path, deadline);
      rmdirSync(path);
      log.warn("staging-dropped", { staging: path, owner: owner.pid, layers });
    } catch (error) {
      // Another call may be dropping it at the same time; what is left, the next call drops.
      log.warn("staging-kept", { staging: path, owner: owner.pid, error: messageOf(error) });
    }
  }
}

/**
 * Whatever a failed call mounted goes: its tmpfs where it was staged, or at `dir` if the
 * move happened but mount(8) then failed or hung (the mount keeps its id when moved).
 */
function dropStaging(staging: string, dir: string, mountId: number | undefined): void {
  const cleanUp = deadlineIn(CLEAN_UP_MS, `the ${CLEAN_UP_MS / 1000}s clean-up bound`);
  try {
    if (mountId !== undefined && findMount(readMountInfo(), dir)?.mountId === mountId) unmount(dir, cleanUp);
    unmountAll(staging, cleanUp);
  } catch (error) {
    // Never at <dir> but with its files all written; the next call drops it from the staging root.
    log.error("staging-unmount-failed", { staging, error: messageOf(error) });
  }
}

/** kubelet makes <dir> before it calls mount; only <dir> itself is ever made here, never its parents. */
function makeDirIfAbsent(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o750 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
}

/** What goes on a volume's tmpfs: the file sizes it must have room for, and what writes it. */
export interface VolumeBuild {
  fileSizes: readonly number[];
  write(dir: string): void;
}

/** Builds the volume on a private tmpfs in the staging root and moves it onto `dir`. */
export async function placeVolume(
  dir: string,
  build: VolumeBuild,
  deadline: Deadline,
  signal: AbortSignal,
): Promise<void> {
  const root = stagingRoot();
  await ensurePrivateRoot(root, deadline, signal);
  dropDeadStagings(root, deadline);
  const staging = mkdtempSync(join(root, `${SELF.pid}-${SELF.started}-`));
  let mountId: number | undefined;
  try {
    mountTmpfs(staging, tmpfsSize(build.fileSizes), deadline);
    mountId = findMount(readMountInfo(), staging)?.mountId;
    build.write(staging);
    makeDirIfAbsent(dir);
    moveMount(staging, dir, deadline);
  } catch (error) {
    log.error("volume-not-placed", { staging, error: messageOf(error) });
    dropStaging(staging, dir, mountId);
    throw error;
  } finally {
    try {
      rmdirSync(staging);
    } catch (error) {
      log.warn("staging-kept", { staging, error: messageOf(error) });
    }
  }
}
