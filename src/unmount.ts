// `kv unmount <dir>`: unmount the tmpfs (its files vanish with it) and remove <dir>.
// Unmounting something that is not mounted succeeds: kubelet retries unmounts.
import { rmdirSync } from "node:fs";
import { log } from "./log";
import { requireMountDir } from "./volume/mountDir";
import { lockMountDir } from "./volume/mountLock";
import { isMounted, unmountTmpfs } from "./volume/tmpfs";

/**
 * How long an unmount waits for a mount of the same <dir> still at work (its own deadline,
 * mounttimeout, is 60 s by default). Past it the unmount fails and kubelet retries it.
 */
const WAIT_FOR_MOUNT_MS = 120_000;

export async function unmountVolume(dirArgument: string | undefined): Promise<void> {
  const dir = requireMountDir(dirArgument);
  // A mount still fetching would otherwise find <dir> gone, make it again and mount over it
  // after this unmount reported success: secrets left mounted for a volume kubelet let go.
  const release = await lockMountDir(dir, AbortSignal.timeout(WAIT_FOR_MOUNT_MS));
  try {
    if (isMounted(dir)) {
      unmountTmpfs(dir);
      log.info("unmounted", { dir });
    } else {
      log.info("not-mounted", { dir });
    }
    try {
      rmdirSync(dir);
    } catch (error) {
      // Gone already is fine; a non-empty directory is not ours to delete.
      const { code } = error as NodeJS.ErrnoException;
      if (code !== "ENOENT") log.warn("dir-kept", { dir, reason: code });
    }
  } finally {
    await release();
  }
}
