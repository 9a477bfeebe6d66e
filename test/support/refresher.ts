// Runs `kv refresh` as the installer's DaemonSet does, against the stand-in and the kubelet's
// state directory: `--once` passes, and the long-running refresher with its JSON log lines
// on stdout and its HTTP endpoint.
import { spawn, type ChildProcess } from "node:child_process";
import { driverPath, runDriver, type DriverResult } from "./driver";
import type { Kubelet } from "./kubelet";

/** The environment of the refresher's container: the node's Azure variables and the state dir. */
export function refresherEnv(
  azureEnv: Record<string, string>,
  kubelet: Kubelet,
  extra: Record<string, string> = {},
): Record<string, string> {
  return { ...azureEnv, KV_STATE_DIR: kubelet.stateDir, ...extra };
}

/** The options of a rotating volume of `names`, all secrets of contoso-kv; `more` adds or overrides. */
export function rotatingSecretOptions(
  names: readonly string[],
  tenantId: string,
  more: Record<string, string>,
): Record<string, string> {
  return {
    keyvaultname: "contoso-kv",
    keyvaultobjectnames: names.join(";"),
    keyvaultobjecttypes: names.map(() => "secret").join(";"),
    tenantid: tenantId,
    ...more,
  };
}

export interface OncePass extends DriverResult {
  /** stdout, one parsed JSON object per line (the test fails on any other line). */
  lines: Record<string, unknown>[];
}

function parseLines(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON line on the refresher's stdout: ${line}`);
      }
    });
}

export async function refreshOnce(env: Record<string, string>, ...flags: string[]): Promise<OncePass> {
  const result = await runDriver(["refresh", "--once", ...flags], env, { timeoutMs: 120_000 });
  return { ...result, lines: parseLines(result.stdout) };
}

/** The line of `dir` in a pass's output. */
export function lineOf(pass: OncePass, dir: string): Record<string, unknown> | undefined {
  return pass.lines.find((line) => line.dir === dir);
}

/** A long-running `kv refresh --listen 127.0.0.1:0`. */
export class RunningRefresher {
  readonly lines: Record<string, unknown>[] = [];
  stdout = "";
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private waiters: (() => void)[] = [];

  constructor(env: Record<string, string>) {
    const driver = driverPath();
    const command = driver.endsWith(".js") ? [process.execPath, driver] : [driver];
    this.child = spawn(command[0], [...command.slice(1), "refresh", "--listen", "127.0.0.1:0"], {
      env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let partial = "";
    this.child.stdout!.on("data", (data: Buffer) => {
      this.stdout += data.toString();
      partial += data.toString();
      const complete = partial.split("\n");
      partial = complete.pop() ?? "";
      this.lines.push(...parseLines(complete.join("\n")));
      this.waiters.forEach((wake) => wake());
    });
    this.child.stderr!.on("data", (data: Buffer) => (this.stderr += data.toString()));
    this.exited = new Promise((done) => this.child.on("exit", (code, signal) => done({ code, signal })));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The first log line `matches` accepts, waiting at most `timeoutMs` for it. */
  async waitFor(
    matches: (line: Record<string, unknown>) => boolean,
    timeoutMs: number,
    what = "a log line",
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(matches);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no ${what} within ${timeoutMs} ms; stdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, Math.min(left, 500));
        this.waiters.push(() => (clearTimeout(timer), wake()));
      });
      this.waiters = [];
    }
  }

  /** Where it serves /metrics and /healthz, once it listens. */
  async url(): Promise<string> {
    const listening = await this.waitFor((line) => line.event === "listening", 20_000, "listening line");
    return `http://127.0.0.1:${Number(listening.port)}`;
  }

  kill(signal: NodeJS.Signals = "SIGTERM"): void {
    this.child.kill(signal);
  }

  /** Stops it (SIGKILL if SIGTERM is not enough): for afterAll. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}
