// What a pass does with records it cannot refresh: one of a <dir> no longer mounted is dropped
// only if it is still the record judged; one unreadable is dropped, not retried for ever; a
// record that cannot be removed is a failed refresh, never a crashed pass.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runPass } from "../../src/refresher/pass";
import { readRecords, recordPath, writeRecord } from "../../src/state/volumeRecords";

let root: string;
let env: NodeJS.ProcessEnv;
let gone: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "kv-pass-"));
  env = { KV_STATE_DIR: join(root, "state") };
  gone = join(root, "pods", "u1", "volumes", "azure~kv", "s");
});
afterEach(() => {
  spawnSync("umount", [join(root, "state", "volumes")]);
  rmSync(root, { recursive: true, force: true });
});

const options = {
  keyvaultname: "contoso-kv",
  keyvaultobjectnames: "db-password",
  keyvaultobjecttypes: "secret",
  tenantid: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  rotationpollinterval: "1m",
  "kubernetes.io/secret/clientid": Buffer.from("00000000-1111-2222-3333-444444444444").toString("base64"),
  "kubernetes.io/secret/clientsecret": Buffer.from("secret").toString("base64"),
};

/** The record of a <dir> not mounted, older than any mount of it may still be under way. */
function oldRecord(): string {
  writeRecord({ dir: gone, options }, env);
  const path = recordPath(gone, env);
  utimesSync(path, new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
  return path;
}

test("a record of a <dir> not mounted is dropped; one a new mount rewrote since it was read stays", async () => {
  const path = oldRecord();
  const [judged] = readRecords(env);
  writeRecord({ dir: gone, options }, env);
  const kept = await runPass([judged], new AbortController().signal);
  expect(kept.results).toEqual([
    { dir: gone, ms: expect.any(Number), result: "dropped", reason: expect.stringMatching(/rewritten since .* kept/) },
  ]);
  expect(existsSync(path)).toBe(true);
  oldRecord();
  const dropped = await runPass(readRecords(env), new AbortController().signal);
  expect(dropped.results).toEqual([
    { dir: gone, ms: expect.any(Number), result: "dropped", reason: "not mounted any more" },
  ]);
  expect(existsSync(path)).toBe(false);
});

test("an unreadable record is dropped, naming why", async () => {
  mkdirSync(join(root, "state", "volumes"), { recursive: true });
  const path = join(root, "state", "volumes", "0123456789abcdef0123456789abcdef.json");
  writeFileSync(path, '{"options": {}}');
  const report = await runPass(readRecords(env), new AbortController().signal);
  expect(report.results).toEqual([
    {
      dir: path,
      ms: expect.any(Number),
      result: "dropped",
      reason: expect.stringMatching(/^unreadable: record .* is not a volume record/),
    },
  ]);
  expect(existsSync(path)).toBe(false);
});

test("a record that cannot be removed (EROFS) is a failed refresh, retried, not a crashed pass", async () => {
  const volumes = join(root, "state", "volumes");
  mkdirSync(volumes, { recursive: true });
  expect(spawnSync("mount", ["-t", "tmpfs", "tmpfs", volumes]).status).toBe(0);
  const path = oldRecord();
  expect(spawnSync("mount", ["-o", "remount,ro", volumes]).status).toBe(0);
  const report = await runPass(readRecords(env), new AbortController().signal);
  expect(report.results).toEqual([
    {
      dir: gone,
      ms: expect.any(Number),
      result: "failed",
      error: expect.stringMatching(/not mounted any more, but its record cannot be removed: EROFS/),
      failed: [],
    },
  ]);
  expect(existsSync(path)).toBe(true);
});
