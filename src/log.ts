// Diagnostics go to a JSON-lines log file, never to stdout/stderr: kubelet reads the
// combined output of every call as one JSON answer.
import { closeSync, constants, fstatSync, openSync, writeSync } from "node:fs";

const DEFAULT_LOG_FILE = "/var/log/kv-driver.log";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

/** The log's descriptor once opened; null: no log for this call. */
let logFd: number | null | undefined;
/** Fields every line of this call carries: the call, its <dir>, a mount's pod. */
let context: LogFields = {};

/** The same file as the answer's stdout or stderr: a log line there would break the answer. */
function isAnswerStream(stats: { dev: number; ino: number }): boolean {
  return [1, 2].some((fd) => {
    try {
      const stream = fstatSync(fd);
      return stream.dev === stats.dev && stream.ino === stats.ino;
    } catch {
      return false;
    }
  });
}

/**
 * Only a regular file is a log. Non-blocking, so a FIFO with no reader fails at once instead of
 * hanging the call (kubelet has no timeout); checked after opening, so a FIFO, a device, a
 * directory or /dev/stdout is closed unwritten.
 */
function openLog(path: string): number | null {
  let fd: number;
  try {
    fd = openSync(
      path,
      constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK | constants.O_NOCTTY,
      0o600,
    );
  } catch {
    return null;
  }
  const stats = fstatSync(fd);
  if (stats.isFile() && !isAnswerStream(stats)) return fd;
  closeSync(fd);
  return null;
}

/** Where the lines go instead of the file, when set (`kv refresh`: a container's output). */
let sink: ((level: LogLevel, line: string) => void) | undefined;

/** `scheme://user:password@host`: a proxy URL's credentials, which library debug output may print. */
const URL_CREDENTIALS = /(\/\/)[^\s/@:"']+:[^\s/@"']+@/g;

function write(level: LogLevel, event: string, fields: LogFields): void {
  // Opened once per call: null (no log, stopLogging, a failed open or write) sticks.
  if (!sink && logFd === undefined) logFd = openLog(process.env.KV_DRIVER_LOG || DEFAULT_LOG_FILE);
  if (!sink && logFd === null) return;
  const entry = JSON.stringify({
    time: new Date().toISOString(),
    level,
    pid: process.pid,
    event,
    ...context,
    ...fields,
  });
  const line = entry.replace(URL_CREDENTIALS, "$1<redacted>@");
  if (sink) return sink(level, line);
  if (typeof logFd !== "number") return;
  try {
    writeSync(logFd, line + "\n");
  } catch {
    // An unwritable log must not break mounts; stop trying for this call.
    logFd = null;
  }
}

/** Log an event. Callers pass names, counts and causes only: never a secret or a token. */
export const log = {
  debug: (event: string, fields: LogFields = {}) => write("debug", event, fields),
  info: (event: string, fields: LogFields = {}) => write("info", event, fields),
  warn: (event: string, fields: LogFields = {}) => write("warn", event, fields),
  error: (event: string, fields: LogFields = {}) => write("error", event, fields),
};

/** Adds fields to every later line of this call. */
export function addLogContext(fields: LogFields): void {
  context = { ...context, ...fields };
}

/** For `kv check`, an operator's command: the node's driver log is kubelet's calls only. */
export function stopLogging(): void {
  logFd = null;
}

/** For `kv refresh`, which runs in a container: its lines go to `write`, not to the node's driver log. */
export function logTo(write: (level: LogLevel, line: string) => void): void {
  logFd = null;
  sink = write;
}

/** The message of anything thrown, for logs and answers. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
