// `kv mount <dir> <json-options>`: validate everything, fetch every object, and only then
// build the volume on a private tmpfs and move it onto <dir> whole (volume/staging.ts). On
// any failure nothing is mounted at <dir>.
import { setMaxListeners } from "node:events";
import { readFileSync } from "node:fs";
import { routeAzureLogs } from "./azureLogs";
import { resolveCloud, type CloudEnvironment } from "./clouds";
import { withEnvFile } from "./content/envFile";
import { FetchError } from "./errors";
import { log } from "./log";
import type { VolumeFile } from "./model/volumeFile";
import type { VolumeOptions } from "./model/volumeOptions";
import { parseMountArgument, parseVolumeOptions } from "./options/parseVolumeOptions";
import { fetchEveryObject } from "./vault/fetchEveryObject";
import { FETCH_CONCURRENCY } from "./vault/fetchObjects";
import { openVault } from "./vault/openVault";
import {
  foreignMount,
  requireDirectoryOrAbsent,
  requireMountDir,
  requireParentDirectory,
  volumeDir,
} from "./volume/mountDir";
import { findMount, readMountInfo } from "./volume/mountInfo";
import { lockMountDir } from "./volume/mountLock";
import { volumeBuild } from "./rotation/volumeFiles";
import { forgetRecord, writeRecord } from "./state/volumeRecords";
import { placeVolume } from "./volume/staging";
import { deadlineIn } from "./volume/tmpfs";

async function fetchVolumeFiles(
  options: VolumeOptions,
  cloud: CloudEnvironment,
  deadline: AbortSignal,
): Promise<VolumeFile[]> {
  // One connection pool and one token for every request of this mount.
  const { vault, failureContext } = openVault(options, cloud, {
    connectionsAhead: Math.min(options.objects.length, FETCH_CONCURRENCY),
    deadline,
  });
  return fetchEveryObject(vault, options.objects, failureContext, {
    concurrency: FETCH_CONCURRENCY,
    deadline: { signal: deadline, seconds: options.mountTimeoutSeconds },
  });
}

/** Each failed object on a line of its own, at error: the answer holds them all in one message. */
function logFailedObjects(error: unknown): void {
  if (!(error instanceof FetchError)) return;
  for (const { object, cause, detail } of error.failures)
    log.error("object-failed", { vault: error.vault, object, cause, detail });
}

export async function mountVolume(dirArgument: string | undefined, json: string | undefined): Promise<void> {
  const requestedDir = requireMountDir(dirArgument);
  const rawOptions = parseMountArgument(json);
  const options = parseVolumeOptions(rawOptions);
  const cloud = resolveCloud(options.cloudName, process.env, (path) => readFileSync(path, "utf8"));
  const dir = volumeDir(requestedDir);
  if (dir !== requestedDir) log.info("dir-resolved", { resolved: dir });
  requireParentDirectory(dir);
  requireDirectoryOrAbsent(dir);
  const deadline = AbortSignal.timeout(options.mountTimeoutSeconds * 1000);
  // mount(8) and umount(8) run synchronously, so the signal cannot stop them: they get the time left.
  const commandsBy = deadlineIn(
    options.mountTimeoutSeconds * 1000,
    `the mount's ${options.mountTimeoutSeconds}s deadline (option mounttimeout)`,
  );
  // Every request in flight (up to FETCH_CONCURRENCY, a few SDK layers each) listens on
  // the deadline: far more than the 10 listeners after which Node warns of a leak.
  setMaxListeners(FETCH_CONCURRENCY * 8, deadline);
  const release = await lockMountDir(dir, deadline);
  try {
    // A tmpfs there is this driver's (moved there whole) or an older azure/kv's, which kubelet
    // already took as mounted: either way kubelet never calls mount for it, and it counts as mounted.
    const mounted = findMount(readMountInfo(), dir);
    if (mounted?.fsType === "tmpfs") {
      log.info("already-mounted");
      return;
    }
    if (mounted) throw foreignMount(dir, mounted, "unmount it, or give the volume another name");
    routeAzureLogs();
    log.info("fetching", {
      vault: options.vaultName,
      identity: options.identity.kind,
      objects: options.objects.length,
    });
    const fetched = await fetchVolumeFiles(options, cloud, deadline).catch((error: unknown) => {
      logFailedObjects(error);
      throw error;
    });
    const files = withEnvFile(options, fetched);
    const rotating = options.rotationIntervalSeconds !== undefined;
    // Recorded before the volume is in place: a rotating volume at <dir> without a record
    // would silently never be refreshed. A record whose volume never arrives is dropped.
    if (rotating) writeRecord({ dir, options: rawOptions });
    try {
      await placeVolume(
        dir,
        volumeBuild(files, { mode: options.fileMode, gid: options.fsGroup }, { rotating }),
        commandsBy,
        deadline,
      );
    } catch (error) {
      if (rotating) forgetRecord(dir);
      throw error;
    }
    log.info("mounted", { files: files.length });
  } finally {
    release();
  }
}
