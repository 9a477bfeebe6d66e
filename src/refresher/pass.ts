// One pass of the refresher over the volumes due: each volume's options read back from its
// record, the volumes grouped by credentials and vault (sharedFetches.ts), each group's
// objects fetched once, then every volume of the group refreshed on its own, all or nothing.
import { setMaxListeners } from "node:events";
import { readFileSync } from "node:fs";
import { resolveCloud, type CloudEnvironment } from "../clouds";
import { FetchError, IdentityError, VolumeError } from "../errors";
import { answerFor } from "../flexvolume";
import { messageOf } from "../log";
import type { ObjectFailure } from "../model/objectFailure";
import { objectLabel, type ObjectSpec } from "../model/objectSpec";
import type { VolumeFile } from "../model/volumeFile";
import type { VolumeOptions } from "../model/volumeOptions";
import { parseVolumeOptions } from "../options/parseVolumeOptions";
import { applyRefresh, objectsToFetch } from "../rotation/refreshVolume";
import { tmpfsMountPoints } from "../rotation/mountedVolume";
import { markRefreshed, removeRecordIfStill, type RecordFile } from "../state/volumeRecords";
import { FETCH_CONCURRENCY } from "../vault/fetchObjects";
import { CLEAN_UP_MS } from "../volume/staging";
import { forEachConcurrently } from "../vault/workPool";
import { groupByCredentials, prefetch, type RequestCounts } from "./sharedFetches";

/** Groups (sessions, tokens) worked on at once; each fetches FETCH_CONCURRENCY objects at once. */
const GROUPS_AT_ONCE = 4;

export type RefreshResult = { dir: string; ms: number } & (
  | { result: "changed"; files: string[] }
  | { result: "unchanged" }
  | { result: "dropped"; reason: string }
  | { result: "failed"; error: string; failed: ObjectFailure[] }
);

export interface PassReport {
  results: RefreshResult[];
  /** Key Vault requests the pass made, by result. */
  requests: RequestCounts;
  /** The <dir>s not mounted yet whose mounts may still be under way: no result, left for a later pass. */
  pending: string[];
}

interface DueVolume {
  record: RecordFile;
  dir: string;
  options: VolumeOptions;
  cloud: CloudEnvironment;
  toFetch: ObjectSpec[];
}

function failed(dir: string, started: number, error: unknown, toFetch: readonly ObjectSpec[] = []): RefreshResult {
  const answer = answerFor(error);
  const message = "message" in answer ? answer.message : messageOf(error);
  const failures =
    error instanceof FetchError
      ? [...error.failures]
      : error instanceof IdentityError
        ? toFetch.map((spec) => ({
            object: objectLabel(spec),
            cause: "unauthorized" as const,
            detail: `no access token: ${error.message}`,
          }))
        : [];
  return { dir, ms: Date.now() - started, result: "failed", error: message, failed: failures };
}

/** Drops the volume as judged from `record`: its record goes, unless a new mount rewrote it meanwhile. */
function dropped(record: RecordFile, dir: string, started: number, reason = "not mounted any more"): RefreshResult {
  let removal: ReturnType<typeof removeRecordIfStill>;
  try {
    removal = removeRecordIfStill(record);
  } catch (error) {
    const cause = (error as NodeJS.ErrnoException).code ?? messageOf(error);
    return failed(dir, started, new VolumeError(`${reason}, but its record cannot be removed: ${cause}`));
  }
  const kept = removal === "replaced" ? "; its record was rewritten since (a new mount), and is kept" : "";
  return { dir, ms: Date.now() - started, result: "dropped", reason: reason + kept };
}

/**
 * A mount records its volume just before it moves it onto <dir>, within its deadline and the
 * clean-up bound after it (volume/staging.ts): a record that young of a <dir> not mounted yet
 * may be of a mount still under way.
 */
function mountMayBeUnderWay(record: RecordFile, options: VolumeOptions): boolean {
  return Date.now() - record.refreshedAtMs < options.mountTimeoutSeconds * 1000 + CLEAN_UP_MS;
}

/**
 * The record read back and checked; a result instead when there is nothing to fetch for it;
 * undefined for a volume whose mount may still be under way (left for a later pass).
 */
function prepare(
  record: RecordFile,
  mounted: ReadonlySet<string>,
  started: number,
): DueVolume | RefreshResult | undefined {
  const dir = record.record?.dir ?? record.path;
  // Written whole by a rename, a record unreadable now stays so: retrying it would never end.
  if (!record.record) return dropped(record, dir, started, `unreadable: ${record.problem ?? "not a volume record"}`);
  let options: VolumeOptions;
  try {
    options = parseVolumeOptions(record.record.options);
  } catch (error) {
    return mounted.has(dir) ? failed(dir, started, error) : dropped(record, dir, started);
  }
  if (!mounted.has(dir)) return mountMayBeUnderWay(record, options) ? undefined : dropped(record, dir, started);
  try {
    const cloud = resolveCloud(options.cloudName, process.env, (path) => readFileSync(path, "utf8"));
    return { record, dir, options, cloud, toFetch: objectsToFetch(dir, options) };
  } catch (error) {
    return failed(dir, started, error);
  }
}

/** Puts a fetched volume in place and notes it up to date. */
function apply(volume: DueVolume, files: readonly VolumeFile[], started: number): RefreshResult {
  const { dir, options, record } = volume;
  try {
    const change = applyRefresh(dir, options, files);
    if (change.result === "dropped") return dropped(record, dir, started);
    markRefreshed(record.path);
    return { dir, ms: Date.now() - started, ...change };
  } catch (error) {
    return failed(dir, started, error);
  }
}

const STOPPED = new VolumeError(
  "the refresher was stopped before this volume's objects arrived; its current set stays as it was",
);

async function refreshGroup(
  volumes: readonly DueVolume[],
  stop: AbortSignal,
  requests: RequestCounts,
  report: (result: RefreshResult) => void,
): Promise<void> {
  const started = Date.now();
  const specs = volumes.flatMap((volume) => volume.toFetch);
  if (specs.length === 0) {
    for (const volume of volumes) report(apply(volume, [], started));
    return;
  }
  // As long as a mount of the slowest of them may take (mounttimeout).
  const seconds = Math.max(...volumes.map((volume) => volume.options.mountTimeoutSeconds));
  const signal = AbortSignal.any([stop, AbortSignal.timeout(seconds * 1000)]);
  // Each request in flight listens on it (a few SDK layers each).
  setMaxListeners(FETCH_CONCURRENCY * 8, signal);
  const [first] = volumes;
  const session = await prefetch(first.options, first.cloud, specs, { signal, seconds, whose: "refresh" });
  try {
    for (const [result, count] of session.requests) requests.set(result, (requests.get(result) ?? 0) + count);
    for (const volume of volumes) {
      try {
        // Every object is answered from the prefetch: a volume whose objects all came is written, even after the
        // deadline or a stop; one with an object still pending fails.
        report(apply(volume, await session.volumeFiles(volume.toFetch), started));
      } catch (error) {
        report(failed(volume.dir, started, stop.aborted ? STOPPED : error, volume.toFetch));
      }
    }
  } finally {
    session.close();
  }
}

/** Refreshes every volume of `records`; `onResult` hears of each as it is done. */
export async function runPass(
  records: readonly RecordFile[],
  stop: AbortSignal,
  onResult: (result: RefreshResult) => void = () => undefined,
): Promise<PassReport> {
  const results: RefreshResult[] = [];
  const report = (result: RefreshResult) => {
    results.push(result);
    onResult(result);
  };
  const requests: RequestCounts = new Map();
  const due: DueVolume[] = [];
  const pending: string[] = [];
  const mounted = tmpfsMountPoints();
  for (const record of records) {
    const prepared = prepare(record, mounted, Date.now());
    if (!prepared) pending.push(record.record?.dir ?? record.path);
    else if ("result" in prepared) report(prepared);
    else due.push(prepared);
  }
  await forEachConcurrently(groupByCredentials(due), GROUPS_AT_ONCE, async (group) => {
    try {
      await refreshGroup(group.volumes, stop, requests, report);
    } catch (error) {
      // A bug, not a fetch failure (those are per object): still one answer per volume.
      for (const volume of group.volumes)
        if (!results.some((result) => result.dir === volume.dir)) report(failed(volume.dir, Date.now(), error));
    }
  });
  return { results, requests, pending };
}
