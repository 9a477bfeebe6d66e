// Runs installer/install.sh as the DaemonSet's container does: a long-lived process
// whose stdout lines say what it did, stopped with SIGTERM.
import { ChildProcess, spawn } from "node:child_process";
import { dirname, join, resolve } from "node:path";

export const INSTALL_SH = resolve(__dirname, "..", "installer", "install.sh");

/** Where kubelet finds the azure/kv driver inside its plugin dir. */
export const driverIn = (targetDir: string) => join(targetDir, "azure~kv", "kv");

export interface InstallerEnv {
  TARGET_DIR?: string;
  SOURCE?: string;
  POLL_SECONDS?: string;
  VERIFIED_FILE?: string;
  PODS_DIR?: string;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** From stop() to exit. */
  ms: number;
}

export class InstallerProcess {
  readonly lines: string[] = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stderr = "";

  /** `mode`: the container's args (none: install). */
  constructor(env: InstallerEnv, mode: string[] = []) {
    // Executed directly, as the image's ENTRYPOINT is: this also checks the shebang and mode.
    this.child = spawn(INSTALL_SH, mode, {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let partial = "";
    this.child.stdout!.on("data", (chunk: Buffer) => {
      const text = partial + chunk.toString("utf8");
      const complete = text.split("\n");
      partial = complete.pop()!;
      this.lines.push(...complete);
    });
    this.child.stderr!.on("data", (chunk: Buffer) => (this.stderr += chunk.toString("utf8")));
    this.exited = new Promise((done) => this.child.on("exit", (code, signal) => done({ code, signal })));
  }

  /** Resolves with the `count`-th line (1-based) matching `pattern`, counting every line logged so far. */
  async waitForLine(pattern: RegExp, { count = 1, timeoutMs = 15_000 } = {}): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const matching = this.lines.filter((line) => pattern.test(line));
      if (matching.length >= count) return matching[count - 1];
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(
          `installer never logged ${pattern} (x${count}); stdout:\n${this.lines.join("\n")}\nstderr:\n${this.stderr}`,
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<Exit> {
    const started = Date.now();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    const { code, signal: killedBy } = await this.exited;
    return { code, signal: killedBy, ms: Date.now() - started };
  }
}

/** Installs SOURCE into TARGET_DIR the way the DaemonSet does, then stops the installer. */
export async function installDriver(targetDir: string, source: string): Promise<string> {
  // Beside the plugin dir, not in the machine's /tmp (the default).
  const VERIFIED_FILE = join(dirname(targetDir), "verified");
  const installer = new InstallerProcess({
    TARGET_DIR: targetDir,
    SOURCE: source,
    POLL_SECONDS: "3600",
    VERIFIED_FILE,
  });
  try {
    await installer.waitForLine(/ (installed|up to date)/);
  } finally {
    await installer.stop();
  }
  return driverIn(targetDir);
}
