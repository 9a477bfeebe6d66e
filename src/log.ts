// Diagnostics go to a JSON-lines log file, never to stdout/stderr: kubelet reads the
// combined output of every call as one JSON answer.
import { appendFileSync } from "node:fs";

const DEFAULT_LOG_FILE = "/var/log/kv-driver.log";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

let logFile: string | undefined = process.env.KV_DRIVER_LOG || DEFAULT_LOG_FILE;

/** `scheme://user:password@host`: a proxy URL's credentials, which library debug output may print. */
const URL_CREDENTIALS = /(\/\/)[^\s/@:"']+:[^\s/@"']+@/g;

function write(level: LogLevel, event: string, fields: LogFields): void {
  if (!logFile) return;
  const entry = JSON.stringify({ time: new Date().toISOString(), level, pid: process.pid, event, ...fields });
  const line = entry.replace(URL_CREDENTIALS, "$1<redacted>@");
  try {
    appendFileSync(logFile, line + "\n", { mode: 0o600 });
  } catch {
    // An unwritable log must not break mounts; stop trying for this call.
    logFile = undefined;
  }
}

/** Log an event. Callers pass names, counts and causes only: never a secret or a token. */
export const log = {
  debug: (event: string, fields: LogFields = {}) => write("debug", event, fields),
  info: (event: string, fields: LogFields = {}) => write("info", event, fields),
  warn: (event: string, fields: LogFields = {}) => write("warn", event, fields),
  error: (event: string, fields: LogFields = {}) => write("error", event, fields),
};

/** For `kv check`, an operator's command: the node's driver log is kubelet's calls only. */
export function stopLogging(): void {
  logFile = undefined;
}

/** The message of anything thrown, for logs and answers. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
