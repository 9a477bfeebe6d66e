// One refresher's writes, or a pod's reads, of a rotating volume, in a process of its own: two
// writers at once are what `kv refresh --once --force` run by hand beside the DaemonSet's
// refresher does. Each works from `startAt` (a wall-clock time, so all overlap however long
// their start-up takes) for `forMs`.
//   node --import tsx test/support/refreshProbe.ts write <dir> <id> <startAt> <forMs>
//   node --import tsx test/support/refreshProbe.ts read <dir> <startAt> <forMs>
// Prints one JSON line: a ProbeReport. Or a refresher killed mid-write, leaving its lock:
//   node --import tsx test/support/refreshProbe.ts killed-holding-lock <dir>
import { existsSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { runChildProbe } from "./childProbe";

export const PROBE_FILES = ["a", "b", "c", "d", "e", "f"];

export interface ProbeReport {
  /** Refreshes written (writer) or sets read whole (reader). */
  done: number;
  /** The first few failures, each once: a failed refresh, a name that did not resolve, a torn set. */
  problems: string[];
}

export function runRefreshProbe(args: string[]): Promise<ProbeReport> {
  return runChildProbe<ProbeReport>("refreshProbe.ts", args, {});
}

/** The contents of every file, read through one `..data` (undefined: that set was removed meanwhile). */
function readSet(dir: string): string[] | undefined {
  const set = readlinkSync(join(dir, "..data"));
  try {
    return PROBE_FILES.map((name) => readFileSync(join(dir, set, name), "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * What lasts of a pod's view while refreshes go on: every name a link into `..data`, `..data`
 * naming a set that exists, and a set read through one `..data` one refresh's files. (A name
 * opened in the instant its set is removed after a swap can fail, with kubelet's writer too:
 * the path walk read the old `..data`. So a missing set counts only if `..data` still names it.)
 */
export function volumeProblem(dir: string): string | undefined {
  try {
    for (const name of PROBE_FILES)
      if (readlinkSync(join(dir, name)) !== `..data/${name}`) return `${name} is not a link into ..data`;
    const current = readlinkSync(join(dir, "..data"));
    if (!existsSync(join(dir, current)) && readlinkSync(join(dir, "..data")) === current)
      return "..data names a set that was removed";
    const set = readSet(dir);
    if (set && new Set(set).size !== 1) return `a torn set: ${set.join(", ")}`;
    return undefined;
  } catch (error) {
    return `${(error as NodeJS.ErrnoException).code ?? (error as Error).message} reading the volume`;
  }
}

async function probe(mode: string, dir: string, args: string[]): Promise<ProbeReport> {
  const { applyRefresh } = await import("../../src/rotation/refreshVolume");
  const { parseVolumeOptions } = await import("../../src/options/parseVolumeOptions");
  const options = parseVolumeOptions({
    keyvaultname: "contoso-kv",
    keyvaultobjectnames: PROBE_FILES.join(";"),
    keyvaultobjecttypes: PROBE_FILES.map(() => "secret").join(";"),
    tenantid: "72f988bf-86f1-41af-91ab-2d7cd011db47",
    rotationpollinterval: "10s",
    "kubernetes.io/secret/clientid": Buffer.from("00000000-1111-2222-3333-444444444444").toString("base64"),
    "kubernetes.io/secret/clientsecret": Buffer.from("secret").toString("base64"),
  });
  const [id, startAt, forMs] = mode === "write" ? args : ["", ...args];
  const problems = new Set<string>();
  let done = 0;
  while (Date.now() < Number(startAt)) await new Promise((wake) => setTimeout(wake, 5));
  const end = Number(startAt) + Number(forMs);
  while (Date.now() < end) {
    if (mode === "write") {
      try {
        applyRefresh(
          dir,
          options,
          PROBE_FILES.map((fileName) => ({ fileName, content: Buffer.from(`${id}-${done}`) })),
        );
      } catch (error) {
        problems.add(`refresh failed: ${(error as Error).message}`);
      }
    }
    const problem = volumeProblem(dir);
    if (problem) problems.add(problem);
    done++;
  }
  return { done, problems: [...problems].slice(0, 5) };
}

async function dieHoldingLock(dir: string): Promise<never> {
  const { lockVolume } = await import("../../src/rotation/volumeLock");
  lockVolume(dir, 60_000);
  process.kill(process.pid, "SIGKILL");
  throw new Error("not killed");
}

if (require.main === module) {
  const [mode, dir, ...args] = process.argv.slice(2);
  if (mode === "killed-holding-lock") void dieHoldingLock(dir);
  else
    probe(mode, dir, args).then(
      (report) => process.stdout.write(JSON.stringify(report) + "\n"),
      (error: unknown) => {
        process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
        process.exit(1);
      },
    );
}
