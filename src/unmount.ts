// `kv unmount <dir>`: unmount the tmpfs (its files vanish with it) and remove <dir>.
// Unmounting something that is not mounted succeeds: kubelet retries unmounts.
import { rmdir } from "node:fs/promises";
import { log } from "./log";
import { requireMountDir } from "./volume/mountDir";
import { isMounted, unmountTmpfs } from "./volume/tmpfs";

export async function unmountVolume(dirArgument: string | undefined): Promise<void> {
  const dir = requireMountDir(dirArgument);
  if (isMounted(dir)) {
    await unmountTmpfs(dir);
    log.info("unmounted", { dir });
  } else {
    log.info("not-mounted", { dir });
  }
  await rmdir(dir).catch((error: NodeJS.ErrnoException) => {
    // Gone already is fine; a non-empty directory is not ours to delete.
    if (error.code !== "ENOENT") log.warn("dir-kept", { dir, reason: error.code });
  });
}
