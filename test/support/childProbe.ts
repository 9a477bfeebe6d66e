// Runs a test/support probe script in a process of its own (Node reads NODE_EXTRA_CA_CERTS,
// HTTPS_PROXY and NO_PROXY when it starts), with exactly `env` plus PATH, and reads the
// JSON line it prints last.
import { spawn } from "node:child_process";
import { join } from "node:path";

export function runChildProbe<T>(script: string, args: string[], env: Record<string, string>): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(__dirname, script), ...args], {
      cwd: join(__dirname, "..", ".."),
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", () => {
      try {
        resolve(JSON.parse(out.trim().split("\n").pop() ?? "") as T);
      } catch {
        reject(new Error(`${script} printed no result; stderr: ${err.slice(0, 2000)}`));
      }
    });
  });
}
