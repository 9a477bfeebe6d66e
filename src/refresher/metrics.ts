// The refresher's Prometheus metrics. Labels name results, causes and volumes (the pod's uid
// and the volume's name, read from <dir>), never an object's content, a credential or a vault
// URL. An alert on `time() - kv_refresher_last_success_timestamp_seconds > 3 *
// kv_refresher_interval_seconds` finds a volume that has stopped being refreshed.
import { basename } from "node:path";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { PassReport, RefreshResult } from "./pass";

const RESULTS: readonly RefreshResult["result"][] = ["changed", "unchanged", "failed", "dropped"];

/** `<kubelet root>/pods/<uid>/volumes/azure~kv/<name>` → the pod's uid and the volume's name. */
export function volumeLabels(dir: string): { pod_uid: string; volume: string } {
  const parts = dir.split("/");
  return { pod_uid: parts[parts.length - 4] ?? "", volume: basename(dir) };
}

export class RefresherMetrics {
  readonly registry = new Registry();
  private readonly passes = new Counter({
    name: "kv_refresher_passes_total",
    help: "Passes over the node's due volumes",
    registers: [this.registry],
  });
  private readonly refreshes = new Counter({
    name: "kv_refresher_refreshes_total",
    help:
      "Volume refreshes by result: changed (a new set is current), unchanged, failed (the old set stays), " +
      "dropped (no longer mounted)",
    labelNames: ["result"],
    registers: [this.registry],
  });
  private readonly requests = new Counter({
    name: "kv_refresher_keyvault_requests_total",
    help: "Key Vault reads by result: ok, or the failure's cause (the SDK's retries inside one read are not counted)",
    labelNames: ["result"],
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: "kv_refresher_refresh_duration_seconds",
    help: "Time from the start of a volume's group fetch to its new set in place (or its failure)",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  private readonly volumes = new Gauge({
    name: "kv_refresher_volumes",
    help: "Rotating volumes recorded on this node",
    registers: [this.registry],
  });
  private readonly lastSuccess = new Gauge({
    name: "kv_refresher_last_success_timestamp_seconds",
    help: "When the volume was last brought up to date (changed or unchanged), Unix time",
    labelNames: ["pod_uid", "volume"],
    registers: [this.registry],
  });
  private readonly interval = new Gauge({
    name: "kv_refresher_interval_seconds",
    help: "The volume's rotationpollinterval",
    labelNames: ["pod_uid", "volume"],
    registers: [this.registry],
  });

  constructor() {
    for (const result of RESULTS) this.refreshes.inc({ result }, 0);
    this.requests.inc({ result: "ok" }, 0);
    // The process's CPU, memory and event loop: what the DaemonSet's limits are sized from.
    // The event loop sampled every 100 ms, not prom-client's 10: at 10 ms the sampling alone
    // cost an idle refresher about 0.3 s of CPU a minute (bench/results-refresher.md).
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 100 });
  }

  /** A volume the refresher now follows, refreshed last at `refreshedAtMs`. */
  follow(dir: string, intervalSeconds: number, refreshedAtMs: number): void {
    this.interval.set(volumeLabels(dir), intervalSeconds);
    this.lastSuccess.set(volumeLabels(dir), refreshedAtMs / 1000);
  }

  forget(dir: string): void {
    this.interval.remove(volumeLabels(dir));
    this.lastSuccess.remove(volumeLabels(dir));
  }

  setVolumes(count: number): void {
    this.volumes.set(count);
  }

  pass({ results, requests }: PassReport): void {
    this.passes.inc();
    for (const [result, count] of requests) this.requests.inc({ result }, count);
    for (const result of results) {
      this.refreshes.inc({ result: result.result });
      if (result.result === "dropped") continue;
      this.duration.observe(result.ms / 1000);
      if (result.result !== "failed") this.lastSuccess.set(volumeLabels(result.dir), Date.now() / 1000);
    }
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
