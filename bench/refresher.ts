// The refresher rows of `npm run bench`: one `kv refresh --once --force` pass over the
// RefresherNode's 100 volumes (unchanged: nothing new in the vault; changed: a new version of
// every secret, so every volume gets a new set), at each latency, and the long-running
// refresher's memory and CPU while it waits for the next interval.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type { BenchOptions } from "./options";
import { PER_VOLUME, RefresherNode, SHARED, VOLUMES, type PassTraffic } from "./refresherNode";
import type { Artifact } from "./rows";
import { driverCommand, median, timedRun } from "./timedRun";

type PassKind = "unchanged" | "changed";

interface PassSample {
  ms: number;
  cpuMs?: number;
  peakRssMb?: number;
  traffic: PassTraffic;
  changed: number;
}

interface PassRow {
  kind: PassKind;
  latencyMs: number;
  artifact: Artifact;
  samples: PassSample[];
}

interface Idle {
  artifact: Artifact;
  rssMb: number;
  cpuMsPerMinute: number;
}

const IDLE_SETTLE_MS = 10_000;
const IDLE_MS = 60_000;
const SCRAPE_EVERY_MS = 15_000;

async function timePass(row: PassRow, node: RefresherNode): Promise<PassSample> {
  node.setLatency(row.latencyMs);
  if (row.kind === "changed") node.newVersions();
  node.resetTraffic();
  const result = await timedRun(driverCommand(row.artifact.path, ["refresh", "--once", "--force"], node.env()));
  const lines = result.output
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { result: string });
  if (result.exitCode !== 0 || lines.length !== VOLUMES || lines.some((line) => line.result !== row.kind)) {
    throw new Error(
      `${row.artifact.label} refresh ` +
        `--once (${row.kind}) failed (exit ${result.exitCode}): ${result.output.slice(0, 400)}`,
    );
  }
  const traffic = node.traffic();
  // The point of shared fetches: one read per distinct object, whatever the number of volumes.
  if (traffic.keyVaultRequests !== SHARED)
    throw new Error(`a pass made ${traffic.keyVaultRequests} Key Vault requests, not ${SHARED}`);
  return {
    ms: result.ms,
    cpuMs: result.cpuMs,
    peakRssMb: result.peakRssMb,
    traffic,
    changed: lines.filter((line) => line.result === "changed").length,
  };
}

/** utime + stime of `pid` in ms, and its resident set in MB, from /proc. */
function usageOf(pid: number, clockTicks: number): { cpuMs: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const [utime, stime] = stat
    .slice(stat.lastIndexOf(")") + 2)
    .split(" ")
    .slice(11, 13)
    .map(Number);
  const rssKb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
  return { cpuMs: ((utime + stime) * 1000) / clockTicks, rssMb: rssKb / 1024 };
}

/** The long-running refresher following the node's volumes, none due, scraped as Prometheus would. */
async function measureIdle(artifact: Artifact, node: RefresherNode): Promise<Idle> {
  const command = driverCommand(artifact.path, ["refresh", "--listen", "127.0.0.1:0"], node.env());
  const child = spawn(command.file, command.args, {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...command.env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    let output = "";
    child.stdout.on("data", (data: Buffer) => (output += data.toString()));
    const clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    await sleep(IDLE_SETTLE_MS);
    const port = /"event":"listening".*?"port":(\d+)/.exec(output)?.[1];
    if (!port || !output.includes('"event":"followed"'))
      throw new Error(`the refresher did not start: ${output.slice(0, 400)}`);
    const before = usageOf(child.pid!, clockTicks);
    for (let waited = 0; waited < IDLE_MS; waited += SCRAPE_EVERY_MS) {
      await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      await sleep(SCRAPE_EVERY_MS);
    }
    const after = usageOf(child.pid!, clockTicks);
    if (output.includes('"event":"pass"'))
      throw new Error("the idle refresher ran a pass: the measurement is not of an idle refresher");
    return { artifact, rssMb: after.rssMb, cpuMsPerMinute: ((after.cpuMs - before.cpuMs) * 60_000) / IDLE_MS };
  } finally {
    child.kill("SIGTERM");
  }
}

const fixed = (value: number | undefined, digits = 0) =>
  value === undefined || !Number.isFinite(value) ? "n/a" : value.toFixed(digits);
const medianOf = (row: PassRow, pick: (sample: PassSample) => number | undefined) => {
  const values = row.samples.map(pick).filter((v): v is number => v !== undefined);
  return values.length ? median(values) : undefined;
};
const table = (header: string[], lines: string[][]) =>
  [header, header.map(() => "---"), ...lines].map((cells) => `| ${cells.join(" | ")} |`).join("\n");

function render(rows: PassRow[], idle: Idle[], options: BenchOptions): string {
  const passes = table(
    [
      "pass",
      "latency ms",
      "driver",
      "median wall ms",
      "median CPU ms",
      "peak RSS MB",
      "requests KV / AAD",
      "volumes changed",
    ],
    rows.map((row) => [
      row.kind,
      String(row.latencyMs),
      row.artifact.label,
      fixed(medianOf(row, (s) => s.ms)),
      fixed(medianOf(row, (s) => s.cpuMs)),
      fixed(
        medianOf(row, (s) => s.peakRssMb),
        1,
      ),
      `${fixed(medianOf(row, (s) => s.traffic.keyVaultRequests))}` +
        ` / ${fixed(medianOf(row, (s) => s.traffic.aadRequests))}`,
      fixed(medianOf(row, (s) => s.changed)),
    ]),
  );
  const idleTable = table(
    ["driver", "RSS MB", "CPU ms per minute"],
    idle.map((sample) => [sample.artifact.label, fixed(sample.rssMb, 1), fixed(sample.cpuMsPerMinute, 1)]),
  );
  return (
    [
      "# Refresher benchmark results",
      "",
      `${new Date().toISOString().slice(0, 10)}, Node ${process.version}; median of ${options.runs} runs per ` +
        `row after one warm-up. ` +
        `${VOLUMES} rotating volumes of ${PER_VOLUME} secrets each, ${SHARED} distinct secrets among them, ` +
        `one service principal; ` +
        "the stand-in adds the latency to every Azure AD and Key Vault request. Produced by `npm run bench` " +
        "(see docs/performance.md and docs/rotation-at-scale.md).",
      "",
      "## One pass: `kv refresh --once --force`",
      "",
      "unchanged: nothing new in the vault; changed: a new version of every secret before the pass, so every " +
        "volume gets a new set.",
      "",
      passes,
      "",
      `## Idle: the long-running refresher following the ${VOLUMES} volumes, none due, /metrics ` +
        `scraped every ${SCRAPE_EVERY_MS / 1000} s`,
      "",
      `Measured from /proc over ${IDLE_MS / 1000} s, after ${IDLE_SETTLE_MS / 1000} s to settle.`,
      "",
      idleTable,
    ].join("\n") + "\n"
  );
}

export async function benchRefresher(drivers: readonly Artifact[], options: BenchOptions): Promise<string> {
  const ours = drivers.filter((artifact) => artifact.ours);
  process.stderr.write(`refresher: mounting ${VOLUMES} volumes`);
  const node = await RefresherNode.start(ours[0].path);
  const rows: PassRow[] = options.latenciesMs.flatMap((latencyMs) =>
    (["unchanged", "changed"] as const).flatMap((kind) =>
      ours.map((artifact) => ({ kind, latencyMs, artifact, samples: [] })),
    ),
  );
  try {
    for (let run = 0; run <= options.runs; run++) {
      process.stderr.write(run === 0 ? ", warming up" : ` ${run}`);
      for (const row of rows) {
        const sample = await timePass(row, node);
        if (run > 0) row.samples.push(sample);
      }
    }
    node.setLatency(0);
    // What nodes run: the executable when it is built.
    process.stderr.write(", idle\n");
    const idle = [await measureIdle(ours[ours.length - 1], node)];
    return render(rows, idle, options);
  } finally {
    await node.close();
  }
}
