// Runs one process the way kubelet does (stdout and stderr piped) and measures its wall
// time and peak RSS.
//
// Peak RSS and CPU time come from the kernel: GNU time (`/usr/bin/time -f "%M %U %S"`,
// Debian package `time`) reports the child's ru_maxrss, user and system time from wait4(). Polling /proc/<pid>/status
// from
// outside misses short peaks and races the exit; Node has no API for a child's rusage.
// Every command, the bare `node -e 0` included, goes through the same wrapper, so its
// fork+exec (well under a millisecond) is in every number alike.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

const GNU_TIME = "/usr/bin/time";

export interface Command {
  file: string;
  args: string[];
  env: Record<string, string>;
}

export interface TimedResult {
  ms: number;
  /** Peak resident set size in MB; undefined without GNU time. */
  peakRssMb?: number;
  /** User + system CPU time in ms (10 ms resolution); undefined without GNU time. */
  cpuMs?: number;
  exitCode: number | null;
  output: string;
}

export const canMeasureRss = existsSync(GNU_TIME);
let rssDir: string | undefined; // made on the first run: importing median() (the report's tests) leaves nothing in /tmp
let rssFiles = 0;

function nextRssFile(): string {
  if (rssDir === undefined) {
    const dir = mkdtempSync(join(tmpdir(), "kv-bench-rss-"));
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
    rssDir = dir;
  }
  return join(rssDir, `${rssFiles++}`);
}

/** `<driver> ...args`: a .js driver runs under this node, like test/support/driver.ts. */
export function driverCommand(driver: string, args: string[], env: Record<string, string>): Command {
  return driver.endsWith(".js")
    ? { file: process.execPath, args: [driver, ...args], env }
    : { file: driver, args, env };
}

export function timedRun({ file, args, env }: Command): Promise<TimedResult> {
  const rssFile = nextRssFile();
  const [command, argv] = canMeasureRss ? [GNU_TIME, ["-f", "%M %U %S", "-o", rssFile, file, ...args]] : [file, args];
  return new Promise((done, fail) => {
    const output: Buffer[] = [];
    const started = performance.now();
    const child = spawn(command, argv, {
      env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (d: Buffer) => output.push(d));
    child.stderr.on("data", (d: Buffer) => output.push(d));
    child.on("error", fail);
    child.on("exit", () => {
      const ms = performance.now() - started;
      child.on("close", (exitCode) => {
        const [kilobytes, user, system] = canMeasureRss
          ? (readFileSync(rssFile, "utf8").trim().split("\n").pop() ?? "").split(" ").map(Number)
          : [NaN, NaN, NaN];
        const cpuMs = (user + system) * 1000;
        done({
          ms,
          exitCode,
          output: Buffer.concat(output).toString("utf8"),
          peakRssMb: Number.isFinite(kilobytes) ? kilobytes / 1024 : undefined,
          cpuMs: Number.isFinite(cpuMs) ? cpuMs : undefined,
        });
      });
    });
  });
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
