// `kv unmount <dir>`: unmount the tmpfs (its files vanish with it) and remove <dir>.
// Unmounting something that is not mounted succeeds: kubelet retries unmounts.
import { rmdirSync } from "node:fs";
import { VolumeError } from "./errors";
import { log } from "./log";
import { canonicalMountDir, requireMountDir } from "./volume/mountDir";
import { lockMountDir } from "./volume/mountLock";
import { unmountAll } from "./volume/tmpfs";

/**
 * How long an unmount waits for a mount of the same <dir> still at work (its own deadline,
 * mounttimeout, is 60 s by default). Past it the unmount fails and kubelet retries it.
 */
const WAIT_FOR_MOUNT_MS = 120_000;

export async function unmountVolume(dirArgument: string | undefined): Promise<void> {
  const dir = canonicalMountDir(requireMountDir(dirArgument));
  // A mount still fetching would otherwise find <dir> gone, make it again and mount over it
  // after this unmount reported success: secrets left mounted for a volume kubelet let go.
  const release = await lockMountDir(dir, AbortSignal.timeout(WAIT_FOR_MOUNT_MS));
  try {
    const layers = unmountAll(dir);
    log.info(layers ? "unmounted" : "not-mounted", { dir, ...(layers > 1 ? { layers } : {}) });
    try {
      rmdirSync(dir);
    } catch (error) {
      const { code, message } = error as NodeJS.ErrnoException;
      // Still a mount point: answering Success would leave whatever it holds behind.
      if (code === "EBUSY") throw new VolumeError(`${dir} is still in use after unmounting: ${message}`);
      // Gone already is fine; a non-empty directory is not ours to delete.
      if (code !== "ENOENT") log.warn("dir-kept", { dir, reason: code });
    }
  } finally {
    release();
  }
}
