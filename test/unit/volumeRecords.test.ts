import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { markRefreshed, readRecords, recordPath, removeRecord, writeRecord } from "../../src/state/volumeRecords";

let root: string;
let env: NodeJS.ProcessEnv;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "kv-state-"));
  env = { KV_STATE_DIR: join(root, "state") };
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const SECRET = "Zx8Q~not-to-be-shown";
const record = (dir: string) => ({
  dir,
  options: { keyvaultname: "v", "kubernetes.io/secret/clientsecret": Buffer.from(SECRET).toString("base64") },
});

test("written root-only, whole, named by a hash of <dir>, and read back", () => {
  // An existing state dir made by someone else 0755 (a hostPath DirectoryOrCreate) becomes 0700.
  mkdirSync(env.KV_STATE_DIR!, { mode: 0o755 });
  chmodSync(env.KV_STATE_DIR!, 0o755);
  const previous = process.umask(0o000);
  try {
    writeRecord(record("/var/lib/kubelet/pods/u1/volumes/azure~kv/a"), env);
  } finally {
    process.umask(previous);
  }
  const path = recordPath("/var/lib/kubelet/pods/u1/volumes/azure~kv/a", env);
  expect(path).toMatch(/\/state\/volumes\/[0-9a-f]{32}\.json$/);
  expect([
    statSync(env.KV_STATE_DIR!).mode & 0o777,
    statSync(join(env.KV_STATE_DIR!, "volumes")).mode & 0o777,
    statSync(path).mode & 0o777,
  ]).toEqual([0o700, 0o700, 0o600]);
  expect(readdirSync(join(env.KV_STATE_DIR!, "volumes"))).toEqual([path.split("/").pop()]);
  expect(readRecords(env)).toEqual([
    {
      path,
      refreshedAtMs: expect.any(Number),
      version: expect.any(String),
      record: record("/var/lib/kubelet/pods/u1/volumes/azure~kv/a"),
    },
  ]);
});

test("none before anything was recorded; removing one that is not there is fine", () => {
  expect(readRecords(env)).toEqual([]);
  expect(removeRecord("/x", env)).toBe(false);
  writeRecord(record("/x"), env);
  expect(removeRecord("/x", env)).toBe(true);
  expect(readRecords(env)).toEqual([]);
});

test("a file that is not a record is named, never shown; temporary files are not records", () => {
  writeRecord(record("/x"), env);
  const volumes = join(env.KV_STATE_DIR!, "volumes");
  writeFileSync(join(volumes, "0123456789abcdef0123456789abcdef.json"), `{"options": "${SECRET}"`);
  writeFileSync(join(volumes, "fedcba9876543210fedcba9876543210.json.123.tmp"), SECRET);
  const [bad, good] = readRecords(env);
  expect(good.record?.dir).toBe("/x");
  expect(bad).toEqual({
    path: join(volumes, "0123456789abcdef0123456789abcdef.json"),
    refreshedAtMs: expect.any(Number),
    version: expect.any(String),
    problem: expect.stringMatching(/is not a volume record/),
  });
  expect(JSON.stringify(bad)).not.toContain(SECRET);
});

test("markRefreshed moves the record's time, not its content", () => {
  writeRecord(record("/x"), env);
  const path = recordPath("/x", env);
  utimesSync(path, new Date(1_000_000), new Date(1_000_000));
  expect(readRecords(env)[0].refreshedAtMs).toBe(1_000_000);
  markRefreshed(path);
  const [after] = readRecords(env);
  expect(Date.now() - after.refreshedAtMs).toBeLessThan(5_000);
  expect(after.record).toEqual(record("/x"));
});

test("a file unchanged since the last look is not read again; a rewritten one is", () => {
  writeRecord(record("/x"), env);
  writeRecord(record("/y"), env);
  const first = readRecords(env);
  const previous = new Map(first.map((file) => [file.path, file]));
  writeRecord({ ...record("/y"), options: { keyvaultname: "w" } }, env);
  const [x, y] = readRecords(env, previous).sort((a, b) => (a.record!.dir < b.record!.dir ? -1 : 1));
  expect(x).toBe(previous.get(recordPath("/x", env)));
  expect(y.record?.options).toEqual({ keyvaultname: "w" });
});

test("a killed mount's temporary file is removed once a minute old, by reads and writes; a young one stays", () => {
  writeRecord(record("/x"), env);
  const volumes = join(env.KV_STATE_DIR!, "volumes");
  const killed = (name: string) => {
    writeFileSync(join(volumes, name), SECRET);
    utimesSync(join(volumes, name), new Date(Date.now() - 61_000), new Date(Date.now() - 61_000));
  };
  const young = "0123456789abcdef0123456789abcdef.json.77.tmp";
  writeFileSync(join(volumes, young), SECRET);
  killed("fedcba9876543210fedcba9876543210.json.123.tmp");
  expect(readRecords(env).map((file) => file.record?.dir)).toEqual(["/x"]);
  expect(readdirSync(volumes).sort()).toEqual([recordPath("/x", env).split("/").pop(), young].sort());
  killed("00000000000000000000000000000000.json.4242.tmp");
  writeRecord(record("/y"), env);
  expect(readdirSync(volumes).filter((name) => name.endsWith(".tmp"))).toEqual([young]);
});
