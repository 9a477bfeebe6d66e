// Runs the driver as kubelet does: a fresh process per call, a clean environment,
// and stdout+stderr read together as one document (kubelet's CombinedOutput).
import { spawn } from "node:child_process";
import { resolve } from "node:path";

const REPO = resolve(__dirname, "..", "..");

/**
 * The driver under test: KV_DRIVER_UNDER_TEST if set (e.g. dist/azure~kv/kv, the
 * single executable), else the bundle dist/kv.js. Relative paths are from the repo root.
 */
export function driverPath(): string {
  return resolve(REPO, process.env.KV_DRIVER_UNDER_TEST ?? "dist/kv.js");
}

export interface DriverResult {
  /** Exit code; null when killed (see signal). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Both streams interleaved in arrival order: what kubelet parses. */
  combined: string;
  /** `combined` parsed, when it is exactly one JSON object; else undefined. */
  json: Record<string, unknown> | undefined;
}

export interface RunOptions {
  /** Path of the driver; default driverPath(). A .js file runs under this node. */
  driver?: string;
  /** Kill the driver after this long (kubelet has no timeout; tests must). Default 60 s. */
  timeoutMs?: number;
  /** A command the driver runs under, its arguments last (e.g. standin/directTls.ts's hostsWrapper). */
  wrapper?: string[];
  /** Aborting it stops the driver with `killSignal` (default SIGKILL), as a kubelet restart would. */
  signal?: AbortSignal;
  killSignal?: NodeJS.Signals;
}

/**
 * The speed door's switch (src/speed), passed on when the test run sets it: .ci/run runs
 * the end-to-end suite once more with KV_SPEED_TRICKS=off. A test's own `env` wins.
 */
function switchesOfThisRun(): Record<string, string> {
  const value = process.env.KV_SPEED_TRICKS;
  return value === undefined ? {} : { KV_SPEED_TRICKS: value };
}

/** Runs `<driver> ...args` with exactly `env` plus PATH (and the run's KV_SPEED_TRICKS). */
export function runDriver(args: string[], env: Record<string, string>, o: RunOptions = {}): Promise<DriverResult> {
  const driver = o.driver ?? driverPath();
  const command = driver.endsWith(".js") ? [process.execPath, driver, ...args] : [driver, ...args];
  const [file, ...argv] = [...(o.wrapper ?? []), ...command];
  return new Promise((done, fail) => {
    const child = spawn(file, argv, {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", ...switchesOfThisRun(), ...env },
      stdio: ["ignore", "pipe", "pipe"],
      signal: o.signal,
      killSignal: o.killSignal ?? "SIGKILL",
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const both: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => (out.push(d), both.push(d)));
    child.stderr.on("data", (d: Buffer) => (err.push(d), both.push(d)));
    const timer = setTimeout(() => child.kill("SIGKILL"), o.timeoutMs ?? 60_000);
    // A stop asked for through o.signal is reported as the driver's exit, by "close".
    child.on("error", (e) => e.name === "AbortError" || (clearTimeout(timer), fail(e)));
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const combined = Buffer.concat(both).toString("utf8");
      done({
        code,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        combined,
        json: parseSingleObject(combined),
      });
    });
  });
}

/**
 * The JSON object kubelet would read from `combined`; throws (showing the output)
 * unless the output is exactly one JSON object and nothing else.
 */
export function expectSingleJson(combined: string): Record<string, unknown> {
  const parsed = parseSingleObject(combined);
  if (!parsed) {
    throw new Error(`driver output is not exactly one JSON object:\n---\n${combined}\n---`);
  }
  return parsed;
}

function parseSingleObject(text: string): Record<string, unknown> | undefined {
  try {
    // Surrounding whitespace is fine: kubelet's json.Unmarshal accepts it.
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
