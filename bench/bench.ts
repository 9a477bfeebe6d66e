// `npm run bench`: times the real driver artifacts (`node dist/kv.js` and, when built,
// the single executable dist/azure~kv/kv) as kubelet runs them, against the local Azure
// stand-in, and prints the table that bench/results.md keeps. docs/performance.md
// explains the rows, the lower bound and the targets. Then the refresher's rows
// (bench/refresher.ts, kept in bench/results-refresher.md).
import { setMaxListeners } from "node:events";
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { parseBenchOptions, type BenchOptions } from "./options";
import { benchRefresher } from "./refresher";
import { renderResults } from "./report";
import type { Artifact, Row } from "./rows";
import { StandInVault } from "./standInVault";
import { canMeasureRss, driverCommand, median, timedRun, type TimedResult } from "./timedRun";

const REPO = resolve(__dirname, "..");

/**
 * An executable as install.sh puts it on a node: a fresh copy. Run from the file the build
 * just wrote, the same bytes showed about 20 MB more peak RSS on this VM: the kernel's
 * page-cache pages of that file mapped in whole, not memory of the driver's own (after
 * dropping the page cache both measure the same). docs/performance.md has the numbers.
 */
function installedCopy(executable: string): string {
  const dir = mkdtempSync(join(tmpdir(), "kv-bench-plugin-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  const copy = join(dir, basename(executable));
  copyFileSync(executable, copy);
  chmodSync(copy, 0o755);
  return copy;
}

function artifacts(options: BenchOptions): Artifact[] {
  const bundle = resolve(REPO, "dist/kv.js");
  const executable = resolve(REPO, "dist/azure~kv/kv");
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run npm run build`);
  return [
    { label: "node dist/kv.js", path: bundle, ours: true },
    ...(existsSync(executable) ? [{ label: "dist/azure~kv/kv", path: installedCopy(executable), ours: true }] : []),
    ...(options.compare
      ? [{ label: basename(options.compare), path: installedCopy(options.compare), ours: false }]
      : []),
  ];
}

/** A call that did not answer Success makes its timing meaningless: stop with what it said. */
function requireSuccess(result: TimedResult, what: string): void {
  const answer = result.output.trim();
  if (result.exitCode !== 0 || !answer.includes('"Success"'))
    throw new Error(`${what} failed (exit ${result.exitCode}): ${answer.slice(0, 400)}`);
}

async function main(): Promise<void> {
  // Each request the stand-in delays listens on one AbortSignal (standin/traffic.ts): 100 at once are expected here.
  setMaxListeners(256);
  const options = parseBenchOptions(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new Error("the bench mounts tmpfs volumes: run it as root");
  if (!canMeasureRss)
    process.stderr.write("note: /usr/bin/time (Debian package `time`) is missing: peak RSS is not measured\n");
  const drivers = artifacts(options);
  if (options.only !== "refresher") await benchMounts(drivers, options);
  if (options.only !== "mount") {
    const markdown = await benchRefresher(drivers, options);
    process.stdout.write(markdown);
    writeFileSync(options.refresherResultsFile, markdown);
  }
}

async function benchMounts(drivers: Artifact[], options: BenchOptions): Promise<void> {
  const vault = await StandInVault.start(Math.max(...options.sizes));
  const row = (
    artifact: Artifact,
    objects: number,
    latencyMs: number,
    identity: Row["identity"] = "servicePrincipal",
  ): Row => ({ call: "mount", artifact, objects, latencyMs, identity, samples: [] });
  const rows: Row[] = [
    ...drivers.map((artifact): Row => ({ ...row(artifact, 0, 0), call: "init" })),
    ...options.latenciesMs.flatMap((latencyMs) => [
      ...options.sizes.flatMap((objects) => drivers.map((artifact) => row(artifact, objects, latencyMs))),
      // Beside the service principal's single secret: the same mount as a workload identity (ours only).
      ...(options.sizes.includes(1)
        ? drivers.filter((artifact) => artifact.ours).map((artifact) => row(artifact, 1, latencyMs, "workloadIdentity"))
        : []),
    ]),
  ];
  try {
    // Runs are the outer loop, so drift on the machine touches every row alike; run 0 warms caches up.
    for (let run = 0; run <= options.runs; run++) {
      process.stderr.write(run === 0 ? "warming up" : ` ${run}`);
      for (const row of rows.filter((r) => !r.failure)) {
        try {
          // The bare start in the call's own environment, right before it: the start of this sample's bound.
          const bare = await timedRun({
            file: process.execPath,
            args: ["-e", "0"],
            env: row.call === "init" ? vault.plainEnv() : vault.env(),
          });
          const result = row.call === "init" ? await timeInit(row, vault) : await timeMount(row, vault);
          if (run > 0) row.samples.push({ ...result, bareMs: bare.ms });
        } catch (error) {
          if (row.artifact.ours) throw error;
          row.failure = error instanceof Error ? error.message : String(error);
        }
      }
    }
    process.stderr.write("\n");
  } finally {
    await vault.close();
  }
  const bareOf = (call: Row["call"]) =>
    median(rows.filter((row) => row.call === call).flatMap((row) => row.samples.map((s) => s.bareMs)));
  const markdown = renderResults({ bare: { plainMs: bareOf("init"), standInMs: bareOf("mount") }, rows }, options);
  process.stdout.write(markdown);
  writeFileSync(options.resultsFile, markdown);
}

async function timeInit(row: Row, vault: StandInVault) {
  const result = await timedRun(driverCommand(row.artifact.path, ["init"], vault.plainEnv()));
  requireSuccess(result, `${row.artifact.label} init`);
  return { ms: result.ms, peakRssMb: result.peakRssMb };
}

async function timeMount(row: Row, vault: StandInVault) {
  vault.setLatency(row.latencyMs);
  const { dir, args } = vault.newMount(row.objects, row.identity);
  try {
    const result = await timedRun(driverCommand(row.artifact.path, args, vault.env()));
    requireSuccess(result, `${row.artifact.label} mount of ${row.objects} secrets as ${row.identity}`);
    return { ms: result.ms, peakRssMb: result.peakRssMb, traffic: vault.traffic() };
  } finally {
    vault.removeMount(dir);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`\nbench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
