// The records of rotating volumes, which `kv mount` writes and `kv refresh` reads: one file per
// volume in <KV_STATE_DIR>/volumes, named by a hash of its <dir>, holding the options exactly
// as kubelet passed them. They hold the volume's credentials (a client secret), so the
// directories are 0700 and the files 0600, root's alone, and nothing here logs their content.
// KV_STATE_DIR is a tmpfs on a node (/run): the records are gone at reboot, with the volumes.
import { createHash } from "node:crypto";
import {
  chmodSync,
  closeSync,
  fchmodSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { log, messageOf } from "../log";
import { stateDirectory } from "../stateDir";
import { identityOf, removeIfStill, type FileIdentity } from "../volume/lockFile";

const RECORD_NAME = /^[0-9a-f]{32}\.json$/;
/** writeRecord's temporary file: `<hash>.json.<pid>.tmp`. */
const TEMPORARY_NAME = /^[0-9a-f]{32}\.json\.\d+\.tmp$/;
/**
 * A record is written and renamed in one instant: a temporary file older than this is a killed
 * mount's, holding a copy of its credentials. Judged by age, not by its pid: the mount that
 * wrote it ran in the host's pid namespace, the refresher that may find it does not.
 */
const TEMPORARY_STALE_MS = 60_000;

export interface VolumeRecord {
  /** The volume's <dir>, canonical (as mount resolved it). */
  dir: string;
  /** The `<json-options>` of the mount, parsed: credentials included. */
  options: unknown;
}

/** A record file read back: its record, or why it cannot be used. */
export interface RecordFile {
  path: string;
  /** Last written or refreshed (the file's mtime): when the volume was last brought up to date. */
  refreshedAtMs: number;
  /** Inode and mtime (identityOf): a file with the same one need not be read again, nor was rewritten. */
  version: FileIdentity;
  record?: VolumeRecord;
  problem?: string;
}

function recordsDir(env: NodeJS.ProcessEnv): string {
  return join(stateDirectory(env), "volumes");
}

export function recordPath(dir: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(recordsDir(env), `${createHash("sha256").update(dir).digest("hex").slice(0, 32)}.json`);
}

/** mkdir's mode is masked by the umask and leaves an existing directory as it is: chmod makes it so. */
function rootOnlyDirectory(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  chmodSync(path, 0o700);
}

/** Written whole or not at all: a temporary file beside it, renamed into place. */
export function writeRecord(record: VolumeRecord, env: NodeJS.ProcessEnv = process.env): void {
  rootOnlyDirectory(stateDirectory(env));
  rootOnlyDirectory(recordsDir(env));
  removeStaleTemporaries(recordsDir(env), readdirSync(recordsDir(env)));
  const path = recordPath(record.dir, env);
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w", 0o600);
  try {
    try {
      fchmodSync(fd, 0o600);
      writeFileSync(fd, JSON.stringify(record));
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (error) {
    // A partial copy of the credentials must not stay behind.
    removeRecordFile(tmp);
    throw error;
  }
}

/** Removes the record of `dir`, if there is one. */
export function removeRecord(dir: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return removeRecordFile(recordPath(dir, env));
}

/**
 * Removes the record of `dir` when its volume goes (unmount) or never came (a failed mount).
 * A failure is logged, not thrown: the call's answer stays its own, and `kv refresh` drops a
 * record whose <dir> is not mounted.
 */
export function forgetRecord(dir: string): void {
  try {
    if (removeRecord(dir)) log.info("record-removed");
  } catch (error) {
    log.warn("record-kept", { error: messageOf(error) });
  }
}

function removeRecordFile(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/** Removes the temporary files killed writers left among `names`; one that cannot be removed is logged. */
function removeStaleTemporaries(dir: string, names: readonly string[]): void {
  for (const name of names.filter((entry) => TEMPORARY_NAME.test(entry))) {
    const path = join(dir, name);
    try {
      if (Date.now() - statSync(path).mtimeMs > TEMPORARY_STALE_MS && removeRecordFile(path))
        log.info("record-temporary-removed", { file: name });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT")
        log.warn("record-temporary-kept", { file: name, error: messageOf(error) });
    }
  }
}

/**
 * Removes the record read back as `file`, unless it was rewritten (a new mount of its <dir>) or
 * marked refreshed since: "replaced" then, and it stays. Errors other than ENOENT throw.
 */
export function removeRecordIfStill(file: RecordFile): "removed" | "gone" | "replaced" {
  return removeIfStill(file.path, file.version);
}

/** Marks the record's volume brought up to date now (its mtime; the content stays). */
export function markRefreshed(path: string): void {
  const now = new Date();
  utimesSync(path, now, now);
}

function parseRecord(text: string): VolumeRecord | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const { dir, options } = (parsed ?? {}) as Partial<VolumeRecord>;
  return typeof dir === "string" && dir.startsWith("/") && typeof options === "object" && options !== null
    ? { dir, options }
    : undefined;
}

/**
 * Every record file; none when the state directory does not exist yet. Files unchanged since
 * `previous` (by inode, size and mtime) are taken from it instead of being read and parsed
 * again: the long-running refresher looks every few seconds.
 */
export function readRecords(
  env: NodeJS.ProcessEnv = process.env,
  previous: ReadonlyMap<string, RecordFile> = new Map(),
): RecordFile[] {
  let names: string[];
  try {
    names = readdirSync(recordsDir(env));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  removeStaleTemporaries(recordsDir(env), names);
  return names
    .filter((name) => RECORD_NAME.test(name))
    .sort()
    .flatMap((name): RecordFile[] => {
      const path = join(recordsDir(env), name);
      try {
        const stats = statSync(path, { bigint: true });
        const refreshedAtMs = Number(stats.mtimeMs);
        const version = identityOf(stats);
        const known = previous.get(path);
        if (known?.version === version) return [known];
        const record = parseRecord(readFileSync(path, "utf8"));
        // Never the content in a problem: it holds credentials.
        return [
          record
            ? { path, refreshedAtMs, version, record }
            : {
                path,
                refreshedAtMs,
                version,
                problem: `record ${name} is not a volume record (a JSON object with dir and options)`,
              },
        ];
      } catch (error) {
        // Removed meanwhile (an unmount): not a record any more.
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
        throw error;
      }
    });
}
