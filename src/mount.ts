// `kv mount <dir> <json-options>`: validate everything, fetch every object, and only
// then mount a tmpfs at <dir> and write the files. On any failure nothing stays mounted.
import { setMaxListeners } from "node:events";
import { mkdirSync, readFileSync } from "node:fs";
import { routeAzureLogs } from "./azureLogs";
import { resolveCloud, type CloudEnvironment } from "./clouds";
import { log, messageOf } from "./log";
import { parseMountArgument, parseVolumeOptions } from "./options/parseVolumeOptions";
import type { VolumeOptions } from "./options/volumeOptions";
import { FETCH_CONCURRENCY, fetchObjects, type VolumeFile } from "./vault/fetchObjects";
import { envFileOf } from "./vault/envFile";
import { openVault } from "./vault/openVault";
import { canonicalMountDir, requireDirectoryOrAbsent, requireMountDir } from "./volume/mountDir";
import { lockMountDir } from "./volume/mountLock";
import { mountedAt, mountTmpfs, tmpfsSize, unmountAll, unmountTmpfs } from "./volume/tmpfs";
import { isUnfinished, writeVolume } from "./volume/writeVolume";

async function fetchVolumeFiles(options: VolumeOptions, cloud: CloudEnvironment, deadline: AbortSignal): Promise<VolumeFile[]> {
  // One connection pool and one token for every request of this mount.
  const { vault, context } = openVault(options, cloud, Math.min(options.objects.length, FETCH_CONCURRENCY));
  return fetchObjects(vault, options.objects, context, {
    concurrency: FETCH_CONCURRENCY,
    abortSignal: deadline,
    deadlineSeconds: options.mountTimeoutSeconds,
  });
}

/** The objects' files, and the env file when the volume asks for one. */
function volumeFiles(options: VolumeOptions, fetched: VolumeFile[]): VolumeFile[] {
  return options.envFile ? [...fetched, envFileOf(options.envFile, options.objects, fetched, options.vaultName)] : fetched;
}

function populate(dir: string, files: readonly VolumeFile[], options: VolumeOptions): void {
  mkdirSync(dir, { recursive: true, mode: 0o750 });
  mountTmpfs(dir, tmpfsSize(files.map((file) => file.content.length)));
  try {
    writeVolume(dir, files, { mode: options.fileMode, gid: options.fsGroup });
  } catch (error) {
    log.error("write-failed", { dir, error: messageOf(error) });
    try {
      unmountTmpfs(dir);
    } catch (unmountError) {
      // The staging directory left behind marks the volume unfinished, and the next call
      // replaces it; the answer stays the write's error.
      log.error("unmount-failed", { dir, error: messageOf(unmountError) });
    }
    throw error;
  }
}

export async function mountVolume(dirArgument: string | undefined, json: string | undefined): Promise<void> {
  const requestedDir = requireMountDir(dirArgument);
  const options = parseVolumeOptions(parseMountArgument(json));
  const cloud = resolveCloud(options.cloudName, process.env, (path) => readFileSync(path, "utf8"));
  const dir = canonicalMountDir(requestedDir);
  requireDirectoryOrAbsent(dir);
  const deadline = AbortSignal.timeout(options.mountTimeoutSeconds * 1000);
  // Every request in flight (up to FETCH_CONCURRENCY, a few SDK layers each) listens on
  // the deadline: far more than the 10 listeners after which Node warns of a leak.
  setMaxListeners(FETCH_CONCURRENCY * 8, deadline);
  const release = await lockMountDir(dir, deadline);
  try {
    const mounted = mountedAt(dir);
    if (mounted === "tmpfs" && isUnfinished(dir)) {
      // Never answer Success for it: kubelet would start the pod on a partial volume.
      log.warn("unfinished-volume-replaced", { dir });
      unmountAll(dir);
    } else if (mounted) {
      log.info("already-mounted", { dir });
      return;
    }
    routeAzureLogs();
    log.info("fetching", { dir, vault: options.vaultName, identity: options.identity.kind, objects: options.objects.length });
    const files = volumeFiles(options, await fetchVolumeFiles(options, cloud, deadline));
    populate(dir, files, options);
    log.info("mounted", { dir, files: files.length });
  } finally {
    release();
  }
}
