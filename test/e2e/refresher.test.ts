// The long-running refresher as the DaemonSet runs it: it picks a change up by itself within
// a 10 s interval, serves metrics and /healthz that hold no secret, logs JSON lines, and stops
// on SIGTERM (or dies by SIGKILL) without ever leaving a torn volume. And a reader reading
// all the while never sees a torn file, a mixed set or a missing file.
import { readdirSync, readFileSync, readlinkSync, realpathSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { expectSingleJson } from "../support/driver";
import type { PodVolume } from "../support/kubelet";
import { kubeletOptions, type SecretRef } from "../../standin/kubeletCall";
import { refreshOnce, refresherEnv, rotatingSecretOptions, RunningRefresher } from "../support/refresher";
import { standInSuite } from "../support/suite";
import { recordPath } from "../../src/state/volumeRecords";

const suite = standInSuite();
const env = () => refresherEnv(suite.azure.env, suite.kubelet);
const running: RunningRefresher[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((refresher) => refresher.stop()));
});

function start(): RunningRefresher {
  const refresher = new RunningRefresher(env());
  running.push(refresher);
  return refresher;
}

let counter = 0;
function newSecrets(count: number, value: (name: string) => string): string[] {
  return Array.from({ length: count }, () => {
    const name = `live-${++counter}`;
    suite.vault.addSecret(name, value(name));
    return name;
  });
}

async function mountRotating(names: string[], interval = "10s", secretRef: SecretRef = suite.sp): Promise<PodVolume> {
  const volume = suite.kubelet.newVolume();
  const options = rotatingSecretOptions(names, suite.azure.tenantId, { rotationpollinterval: interval });
  const result = await suite.kubelet.mount(volume, kubeletOptions(options, secretRef));
  expect(expectSingleJson(result.combined)).toEqual({ status: "Success" });
  return volume;
}

/** As if the refresher had been away for a while: the volume is overdue when it starts. */
/**
 * Refreshed two of its 1h intervals ago: due whatever the node's phase (next due is the first
 * tick at least half an interval after the last refresh, which may be up to an interval later).
 */
function makeOverdue(volume: PodVolume): void {
  const old = new Date(Date.now() - 2 * 3600_000);
  utimesSync(recordPath(realpathSync(volume.dir), { KV_STATE_DIR: suite.kubelet.stateDir }), old, old);
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((wake) => setTimeout(wake, 200));
  }
}

const read = (volume: PodVolume, name: string) => readFileSync(join(volume.dir, name), "utf8");

/** Every volume whole: each file there, and one set: all of the old values, or all of the new. */
function expectWhole(volume: PodVolume, names: readonly string[], generations: readonly string[]): string {
  const set = readlinkSync(join(volume.dir, "..data"));
  const values = names.map((name) => readFileSync(join(volume.dir, "..data", name), "utf8"));
  const generation = generations.find((g) => values.every((value, i) => value === `${names[i]} ${g}`));
  expect({ set, values, generation }).toEqual({ set, values, generation: expect.any(String) });
  return generation!;
}

test("picks up a change by itself within a 10 s interval, with metrics and logs that hold no secret", async () => {
  const [name] = newSecrets(1, () => "before the change");
  const volume = await mountRotating([name]);
  const refresher = start();
  const url = await refresher.url();
  expect(await (await fetch(`${url}/healthz`)).text()).toBe("ok\n");
  const NEW_VALUE = "after the change, picked up alone";
  suite.vault.addSecret(name, NEW_VALUE);
  // First refresh: between half an interval and one and a half after the mount.
  await until(() => read(volume, name) === NEW_VALUE, 30_000, "the refresher rewrote the file");
  const dir = realpathSync(volume.dir);
  await refresher.waitFor((line) => line.event === "pass", 5_000, "pass line");
  expect(refresher.lines).toContainEqual(
    expect.objectContaining({ level: "info", event: "refresh", dir, result: "changed", files: [name] }),
  );

  const response = await fetch(`${url}/metrics`);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  const metrics = await response.text();
  const uid = dir.split("/").slice(-4)[0];
  for (const expected of [
    /^kv_refresher_passes_total [1-9]/m,
    /^kv_refresher_refreshes_total\{result="changed"\} [1-9]/m,
    /^kv_refresher_refreshes_total\{result="failed"\} 0$/m,
    /^kv_refresher_keyvault_requests_total\{result="ok"\} [1-9]/m,
    /^kv_refresher_refresh_duration_seconds_bucket\{le="\+Inf"\} [1-9]/m,
    /^kv_refresher_volumes [1-9]/m,
    new RegExp(`^kv_refresher_last_success_timestamp_seconds\\{pod_uid="${uid}",volume="secrets"\\} \\d+`, "m"),
    new RegExp(`^kv_refresher_interval_seconds\\{pod_uid="${uid}",volume="secrets"\\} 10$`, "m"),
    /^process_resident_memory_bytes \d+/m,
  ]) {
    expect(metrics).toMatch(expected);
  }
  const secrets = [
    NEW_VALUE,
    "before the change",
    suite.sp.clientSecret,
    Buffer.from(suite.sp.clientSecret).toString("base64"),
  ];
  for (const secret of secrets) {
    expect(metrics).not.toContain(secret);
    expect(refresher.stdout + refresher.stderr).not.toContain(secret);
  }
  expect((await fetch(`${url}/nothing`)).status).toBe(404);

  refresher.kill("SIGTERM");
  expect(await refresher.exited).toEqual({ code: 0, signal: null });
  expect(refresher.lines.map((line) => line.event)).toEqual(
    expect.arrayContaining(["started", "listening", "followed", "stopping", "stopped"]),
  );
  expect(refresher.stderr).toBe("");
}, 60_000);

describe("stopped in the middle of a pass", () => {
  const NAMES_PER_VOLUME = 3;
  let volumes: { volume: PodVolume; names: string[] }[];

  beforeEach(async () => {
    volumes = [];
    // Each volume its own principal: its own group, so groups finish one after another.
    for (let i = 0; i < 8; i++) {
      const sp = suite.azure.addServicePrincipal();
      suite.vault.grant(sp.clientId);
      const names = newSecrets(NAMES_PER_VOLUME, (name) => `${name} old`);
      volumes.push({ volume: await mountRotating(names, "1h", sp), names });
    }
    for (const { names } of volumes) for (const name of names) suite.vault.addSecret(name, `${name} new`);
    for (const { volume } of volumes) makeOverdue(volume);
    suite.azure.injectFault({ latencyMs: 1000 }, { service: "keyvault" });
  });
  afterEach(() => suite.azure.clearFaults());

  test.each(["SIGTERM", "SIGKILL"] as const)(
    "by %s, every volume is whole: the old set or the new one",
    async (signal) => {
      const refresher = start();
      await refresher.waitFor((line) => line.event === "refresh", 30_000, "a first refresh");
      refresher.kill(signal);
      const exit = await refresher.exited;
      expect(exit).toEqual(signal === "SIGTERM" ? { code: 0, signal: null } : { code: null, signal: "SIGKILL" });
      const generations = volumes.map(({ volume, names }) => expectWhole(volume, names, ["old", "new"]));
      // Stopped mid-pass indeed: some volumes were refreshed, some were not.
      expect(new Set(generations)).toEqual(new Set(["old", "new"]));
      if (signal === "SIGTERM") {
        const abandoned = refresher.lines.filter((line) => line.event === "refresh" && line.result === "failed");
        for (const line of abandoned)
          expect(line.error).toMatch(/stopped before this volume's objects arrived; its current set stays/);
      }
      // Whatever a kill left behind is cleared by the next refresh, and nothing is missing.
      suite.azure.clearFaults();
      const after = await refreshOnce(env(), "--force");
      expect(after.lines.filter((line) => line.event === "refresh" && line.result === "failed")).toEqual([]);
      expect(after.code).toBe(0);
      for (const { volume, names } of volumes) {
        expect(expectWhole(volume, names, ["new"])).toBe("new");
        // Beside ..data and its set, at most the set the last write replaced, whole: no partial set, no temporary link.
        const others = readdirSync(volume.dir).filter(
          (entry) => entry.startsWith("..") && entry !== "..data" && entry !== readlinkSync(join(volume.dir, "..data")),
        );
        expect(others.length).toBeLessThanOrEqual(1);
        for (const set of others)
          expect(names.map((name) => readFileSync(join(volume.dir, set, name), "utf8"))).toEqual(
            names.map((name) => `${name} old`),
          );
      }
      for (const { volume } of volumes) await suite.kubelet.unmount(volume);
    },
    90_000,
  );
});

/** Reads every file through <dir>/<name> and every set through ..data/, as fast as it can. */
const READER = `
const { parentPort, workerData } = require("node:worker_threads");
const { readFileSync, readlinkSync } = require("node:fs");
const { dir, names } = workerData;
const stats = { reads: 0, sets: 0, missing: 0, torn: 0, mixed: 0, generations: new Set() };
const generationOf = (name, text) =>
  text.startsWith(name + " gen-") && text.endsWith(" end") ? text.slice(name.length + 1, -4) : undefined;
let stop = false;
parentPort.on("message", () => (stop = true));
(function loop() {
  const until = Date.now() + 50;
  while (Date.now() < until) {
    for (const name of names) {
      try {
        const g = generationOf(name, readFileSync(dir + "/" + name, "utf8"));
        if (g === undefined) stats.torn++; else stats.generations.add(g);
        stats.reads++;
      } catch { stats.missing++; }
    }
    try {
      const set = dir + "/" + readlinkSync(dir + "/..data");
      const seen = new Set(names.map((name) => generationOf(name, readFileSync(set + "/" + name, "utf8"))));
      if (seen.size !== 1) stats.mixed++;
      stats.sets++;
    } catch { /* a set removed after it was looked up: readers of ..data/ open it first */ }
  }
  if (stop) parentPort.postMessage({ ...stats, generations: stats.generations.size });
  else setImmediate(loop);
})();
`;

test("a reader reading all the while never sees a torn file, a mixed set or a missing file", async () => {
  const value = (name: string, generation: number) => `${name} gen-${generation} ${"x".repeat(2000 + generation)} end`;
  const names = newSecrets(3, (name) => value(name, 0));
  const volume = await mountRotating(names, "1h");
  const reader = new Worker(READER, { eval: true, workerData: { dir: volume.dir, names } });
  const done = new Promise<Record<string, number>>((resolve, fail) => {
    reader.once("message", resolve);
    reader.once("error", fail);
  });
  const REFRESHES = 20;
  let stats: Record<string, number>;
  try {
    for (let generation = 1; generation <= REFRESHES; generation++) {
      for (const name of names) suite.vault.addSecret(name, value(name, generation));
      const pass = await refreshOnce(env(), "--force");
      expect(pass.lines.find((line) => line.dir === realpathSync(volume.dir))).toMatchObject({ result: "changed" });
    }
    reader.postMessage("stop");
    stats = await done;
  } finally {
    await reader.terminate();
  }
  expect({ missing: stats.missing, torn: stats.torn, mixed: stats.mixed }).toEqual({ missing: 0, torn: 0, mixed: 0 });
  expect(stats.reads).toBeGreaterThan(REFRESHES * 100);
  expect(stats.sets).toBeGreaterThan(REFRESHES * 10);
  // It saw the refreshes happen, not one value throughout.
  expect(stats.generations).toBeGreaterThan(REFRESHES / 2);
  await suite.kubelet.unmount(volume);
}, 120_000);
