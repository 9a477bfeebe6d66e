// `kv unmount <dir>`: unmount the tmpfs (its files vanish with it) and remove <dir>.
// Unmounting something that is not mounted succeeds: kubelet retries unmounts. Only a
// tmpfs is taken down (this driver's, or an older azure/kv's): anything else is left alone.
import { rmdirSync } from "node:fs";
import { VolumeError } from "./errors";
import { log } from "./log";
import { forgetRecord } from "./state/volumeRecords";
import { foreignMount, requireMountDir, volumeDir } from "./volume/mountDir";
import { mountsAt, readMountInfo } from "./volume/mountInfo";
import { lockMountDir } from "./volume/mountLock";
import { dropDeadStagings, stagingRoot } from "./volume/staging";
import { deadlineIn, unmountAll } from "./volume/tmpfs";

/**
 * How long an unmount waits for a mount of the same <dir> still at work (its own deadline,
 * mounttimeout, is 60 s by default). Past it the unmount fails and kubelet retries it.
 */
const WAIT_FOR_MOUNT_MS = 120_000;
/** How long the unmount's umount(8) calls may take together: kubelet waits forever. */
const COMMANDS_MS = 30_000;

export async function unmountVolume(dirArgument: string | undefined): Promise<void> {
  const dir = volumeDir(requireMountDir(dirArgument));
  // A mount still fetching would otherwise find <dir> gone, make it again and mount over it
  // after this unmount reported success: secrets left mounted for a volume kubelet let go.
  const release = await lockMountDir(dir, AbortSignal.timeout(WAIT_FOR_MOUNT_MS));
  try {
    const commandsBy = deadlineIn(COMMANDS_MS, `the unmount's ${COMMANDS_MS / 1000}s bound`);
    dropDeadStagings(stagingRoot(), commandsBy);
    const layers = mountsAt(readMountInfo(), dir);
    const foreign = layers.find((layer) => layer.fsType !== "tmpfs");
    if (foreign) throw foreignMount(dir, foreign, "unmount it yourself once nothing needs it");
    if (layers.length === 0) {
      // Not removed: only a directory this call unmounted is (kubelet removes the rest).
      log.info("not-mounted");
      forgetRecord(dir);
      return;
    }
    const unmounted = unmountAll(dir, commandsBy);
    log.info("unmounted", unmounted > 1 ? { layers: unmounted } : {});
    forgetRecord(dir);
    try {
      rmdirSync(dir);
    } catch (error) {
      const { code, message } = error as NodeJS.ErrnoException;
      // Still a mount point: answering Success would leave whatever it holds behind.
      if (code === "EBUSY") throw new VolumeError(`${dir} is still in use after unmounting: ${message}`);
      // Gone already is fine; a non-empty directory is not ours to delete.
      if (code !== "ENOENT") log.warn("dir-kept", { reason: code });
    }
  } finally {
    release();
  }
}
