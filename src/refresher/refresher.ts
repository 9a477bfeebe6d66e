// The long-running refresher: follows the node's records, runs a pass whenever volumes are
// due (schedule.ts), and keeps the metrics. One pass at a time; a stop (SIGTERM) ends it
// after the pass in flight, which abandons what it has not fetched yet (pass.ts).
import { setTimeout as sleep } from "node:timers/promises";
import { log } from "../log";
import { readRecords, type RecordFile } from "../state/volumeRecords";
import type { RefresherMetrics } from "./metrics";
import { followScan, type Followed } from "./followed";
import { runPass, type RefreshResult } from "./pass";
import { nextDue, retryDelayMs } from "./schedule";

/** How often the state directory is looked at for volumes mounted or unmounted meanwhile. */
const SCAN_MS = 5_000;
/** Volumes due this soon join the pass that is starting (a timer may fire a little early or late). */
const GATHER_MS = 1_000;

function logResult(result: RefreshResult): void {
  const { dir, result: outcome, ...rest } = result;
  (outcome === "failed" ? log.warn : log.info)("refresh", { dir, result: outcome, ...rest });
}

export class Refresher {
  private readonly followed = new Map<string, Followed>();
  /** When the loop last made progress: a scan, or a volume's result. */
  private progressMs = Date.now();

  constructor(
    private readonly metrics: RefresherMetrics,
    private readonly phaseMs: number,
    private readonly stop: AbortSignal,
  ) {}

  /** Why the refresher is stuck, if it is: no progress for longer than any pass may take. */
  unhealthy(): string | undefined {
    const longestMs = Math.max(0, ...[...this.followed.values()].map((volume) => volume.deadlineMs));
    const stalledMs = Date.now() - this.progressMs;
    return stalledMs > longestMs + 2 * 60_000 ? `no progress for ${Math.round(stalledMs / 1000)} s` : undefined;
  }

  async run(): Promise<void> {
    while (!this.stop.aborted) {
      this.progressMs = Date.now();
      this.follow(readRecords(process.env, new Map([...this.followed].map(([path, volume]) => [path, volume.file]))));
      const due = [...this.followed.values()].filter((volume) => volume.dueMs <= Date.now() + GATHER_MS);
      if (due.length > 0) await this.pass(due);
      const soonest = Math.min(...[...this.followed.values()].map((volume) => volume.dueMs));
      try {
        await sleep(Math.max(0, Math.min(soonest - Date.now(), SCAN_MS)), undefined, { signal: this.stop });
      } catch {
        // stopped
      }
    }
  }

  /** Starts following new records, stops following removed ones, follows rewritten ones anew. */
  private follow(files: readonly RecordFile[]): void {
    const { added, removed, rewritten } = followScan(this.followed, files, this.phaseMs);
    for (const volume of removed) {
      this.metrics.forget(volume.dir);
      log.info("unfollowed", { dir: volume.dir });
    }
    for (const { before, after } of rewritten) {
      if (before.dir !== after.dir) this.metrics.forget(before.dir);
      this.metrics.follow(after.dir, after.intervalMs / 1000, after.file.refreshedAtMs);
      // Marked refreshed (every pass) is not news; new options are.
      if (before.dir !== after.dir || before.intervalMs !== after.intervalMs || before.deadlineMs !== after.deadlineMs)
        this.logFollowed(after);
    }
    for (const volume of added) {
      this.metrics.follow(volume.dir, volume.intervalMs / 1000, volume.file.refreshedAtMs);
      this.logFollowed(volume);
    }
    this.metrics.setVolumes(this.followed.size);
  }

  private logFollowed(volume: Followed): void {
    log.info("followed", {
      dir: volume.dir,
      intervalSeconds: volume.intervalMs / 1000,
      due: new Date(volume.dueMs).toISOString(),
    });
  }

  private async pass(due: readonly Followed[]): Promise<void> {
    const started = Date.now();
    const byDir = new Map(due.map((volume) => [volume.dir, volume]));
    const report = await runPass(
      due.map((volume) => volume.file),
      this.stop,
      (result) => {
        this.progressMs = Date.now();
        logResult(result);
        const volume = byDir.get(result.dir);
        if (volume) this.reschedule(volume, result);
      },
    );
    this.metrics.pass(report);
    // Its mount may still be moving it onto <dir>: looked at again soon.
    for (const dir of report.pending) {
      const volume = byDir.get(dir);
      if (volume) volume.dueMs = Date.now() + SCAN_MS;
    }
    const count = (result: RefreshResult["result"]) => report.results.filter((r) => r.result === result).length;
    log.info("pass", {
      volumes: due.length,
      changed: count("changed"),
      unchanged: count("unchanged"),
      failed: count("failed"),
      dropped: count("dropped"),
      keyVaultRequests: [...report.requests.values()].reduce((sum, n) => sum + n, 0),
      ms: Date.now() - started,
    });
  }

  private reschedule(volume: Followed, { result }: RefreshResult): void {
    const now = Date.now();
    if (result === "dropped") {
      this.followed.delete(volume.file.path);
      this.metrics.forget(volume.dir);
    } else if (result === "failed") {
      volume.failures++;
      volume.dueMs = now + retryDelayMs(volume.failures, volume.intervalMs, Math.random());
    } else {
      volume.failures = 0;
      volume.dueMs = nextDue(volume.intervalMs, now, this.phaseMs);
    }
  }
}
