// The volumes the long-running refresher follows, from each scan of the records. Pure but for
// the clock: records in, what changed out (refresher.ts logs it and keeps the metrics).
import { parseVolumeOptions } from "../options/parseVolumeOptions";
import type { RecordFile } from "../state/volumeRecords";
import { nextDue } from "./schedule";

/** Interval assumed for a record whose options no longer parse: it fails, and is retried with backoff. */
const UNREADABLE_INTERVAL_MS = 300_000;

export interface Followed {
  file: RecordFile;
  dir: string;
  intervalMs: number;
  /** How long a refresh of it may take: its mounttimeout. */
  deadlineMs: number;
  dueMs: number;
  failures: number;
}

/** A volume as its record says, due when its interval has passed since the record's time. */
export function followedVolume(file: RecordFile, phaseMs: number, nowMs = Date.now()): Followed {
  let intervalMs = UNREADABLE_INTERVAL_MS;
  let deadlineMs = 60_000;
  try {
    const options = parseVolumeOptions(file.record?.options);
    intervalMs = (options.rotationIntervalSeconds ?? UNREADABLE_INTERVAL_MS / 1000) * 1000;
    deadlineMs = options.mountTimeoutSeconds * 1000;
  } catch {
    // The pass reports why, and the volume is retried with backoff.
  }
  // A volume overdue (the refresher was not running) is due at once.
  const dueMs = Math.max(nowMs, nextDue(intervalMs, file.refreshedAtMs, phaseMs));
  return { file, dir: file.record?.dir ?? file.path, intervalMs, deadlineMs, dueMs, failures: 0 };
}

export interface ScanChanges {
  added: Followed[];
  removed: Followed[];
  /** Records rewritten or marked refreshed since the last scan: followed anew from what they say now. */
  rewritten: { before: Followed; after: Followed }[];
}

/**
 * Brings `followed` (by record path) up to this scan's `files`. A record whose version changed
 * (a new mount rewrote it, or a refresh marked it) is followed anew: its <dir>, interval and
 * deadline may differ, and its time is when it was last brought up to date. One unchanged
 * keeps its schedule and failures.
 */
export function followScan(
  followed: Map<string, Followed>,
  files: readonly RecordFile[],
  phaseMs: number,
  nowMs = Date.now(),
): ScanChanges {
  const changes: ScanChanges = { added: [], removed: [], rewritten: [] };
  const present = new Set(files.map((file) => file.path));
  for (const [path, volume] of followed) {
    if (present.has(path)) continue;
    followed.delete(path);
    changes.removed.push(volume);
  }
  for (const file of files) {
    const known = followed.get(file.path);
    if (known?.file.version === file.version) continue;
    const volume = followedVolume(file, phaseMs, nowMs);
    followed.set(file.path, volume);
    if (known) changes.rewritten.push({ before: known, after: volume });
    else changes.added.push(volume);
  }
  return changes;
}
