// `kv refresh [--listen [host]:port]`: the node's refresher, run by the installer DaemonSet.
// `kv refresh --once [--force]`: one pass; stdout is one JSON line per volume and nothing else;
// exit 0 when none failed, 1 when one did, 2 for a usage error.
import { writeSync } from "node:fs";
import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { routeAzureLogs } from "../azureLogs";
import { log, logTo, messageOf, type LogLevel } from "../log";
import { parseVolumeOptions } from "../options/parseVolumeOptions";
import { stateDirectory } from "../stateDir";
import { readRecords, type RecordFile } from "../state/volumeRecords";
import { parseListenAddress, type ListenAddress } from "./listenAddress";
import { runPass } from "./pass";
import { nodePhaseMs } from "./schedule";

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
const DEFAULT_LISTEN = ":9808";
const USAGE = "usage: kv refresh [--listen [host]:port]  |  kv refresh --once [--force]";
/** After SIGTERM, the pass in flight has this long to settle before the process exits anyway. */
const STOP_GRACE_MS = 5_000;

function writeLine(fd: number, line: string): void {
  writeSync(fd, line + "\n");
}

/** Debug lines (the Azure SDK's, one per fetch failure) stay out of a container's log. */
function logLinesTo(fd: number, lowest: LogLevel): void {
  const order: LogLevel[] = ["debug", "info", "warn", "error"];
  logTo((level, line) => {
    if (order.indexOf(level) >= order.indexOf(lowest)) writeLine(fd, line);
  });
}

/** --once without --force: the volumes whose interval has passed since they were last brought up to date. */
function isDue(file: RecordFile, now: number): boolean {
  try {
    const seconds = parseVolumeOptions(file.record?.options).rotationIntervalSeconds;
    return seconds === undefined || now - file.refreshedAtMs >= seconds * 1000;
  } catch {
    return true; // the pass says what is wrong with it
  }
}

async function once(force: boolean): Promise<number> {
  // stdout holds the answer lines alone; the log goes to stderr.
  logLinesTo(2, "warn");
  const stop = new AbortController();
  process.once("SIGTERM", () => stop.abort());
  const now = Date.now();
  const records = readRecords();
  const due = force ? records : records.filter((file) => isDue(file, now));
  for (const file of records) {
    if (!due.includes(file)) writeLine(1, JSON.stringify({ dir: file.record?.dir, result: "not due" }));
  }
  const report = await runPass(due, stop.signal, ({ dir, result, ...rest }) =>
    writeLine(1, JSON.stringify({ dir, result, ...rest })),
  );
  for (const dir of report.pending)
    writeLine(
      1,
      JSON.stringify({ dir, result: "not due", reason: "not mounted yet: its mount may still be under way" }),
    );
  return report.results.some((result) => result.result === "failed") ? EXIT.failed : EXIT.ok;
}

async function forever(listen: ListenAddress): Promise<number> {
  logLinesTo(1, "info");
  // Loaded only here: prom-client is the long-running refresher's alone.
  const [{ RefresherMetrics }, { Refresher }, { serve }] = await Promise.all([
    import("./metrics"),
    import("./refresher"),
    import("./server"),
  ]);
  const stop = new AbortController();
  const metrics = new RefresherMetrics();
  const phaseMs = nodePhaseMs(hostname());
  const refresher = new Refresher(metrics, phaseMs, stop.signal);
  const server = await serve(listen, {
    metrics: async () => ({ contentType: metrics.contentType, text: await metrics.text() }),
    unhealthy: () => refresher.unhealthy(),
  });
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      log.info("stopping", { signal });
      stop.abort();
      // Exiting between two awaits never tears a volume: each swap is synchronous (atomicLayout.ts).
      setTimeout(() => process.exit(EXIT.ok), STOP_GRACE_MS).unref();
    });
  }
  log.info("started", { stateDir: stateDirectory(), phaseSeconds: Math.round(phaseMs / 1000) });
  await refresher.run();
  server.close();
  server.closeAllConnections();
  log.info("stopped");
  return EXIT.ok;
}

/** Runs `kv refresh` with the arguments after `refresh`; resolves to the exit status. */
export async function runRefresh(argv: string[]): Promise<number> {
  let flags: { once?: boolean; force?: boolean; listen?: string; help?: boolean };
  try {
    ({ values: flags } = parseArgs({
      args: argv,
      options: {
        once: { type: "boolean" },
        force: { type: "boolean" },
        listen: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    process.stderr.write(`kv refresh: ${messageOf(error)}\n${USAGE}\n`);
    return EXIT.usage;
  }
  const usageError = (problem: string) => (process.stderr.write(`kv refresh: ${problem}\n${USAGE}\n`), EXIT.usage);
  if (flags.help) return (process.stdout.write(`${USAGE}\n`), EXIT.ok);
  if (flags.force && !flags.once)
    return usageError("--force goes with --once (the long-running refresher follows each volume's interval)");
  if (flags.once && flags.listen !== undefined) return usageError("--once serves no metrics: leave out --listen");
  routeAzureLogs();
  for (const event of ["uncaughtException", "unhandledRejection"] as const) {
    process.on(event, (error) => {
      log.error("crashed", { error: messageOf(error) });
      process.exit(EXIT.failed);
    });
  }
  if (flags.once) return once(flags.force === true);
  const listen = parseListenAddress(flags.listen ?? DEFAULT_LISTEN);
  if ("problem" in listen) return usageError(listen.problem);
  return forever(listen);
}
