import { followScan, type Followed } from "../../src/refresher/followed";
import { nextDue } from "../../src/refresher/schedule";
import type { RecordFile } from "../../src/state/volumeRecords";

const NOW = 1_700_000_000_000;
const PHASE = 7_000;
const options = (interval: string, extra: Record<string, string> = {}) => ({
  keyvaultname: "contoso-kv",
  keyvaultobjectnames: "db-password",
  keyvaultobjecttypes: "secret",
  tenantid: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  rotationpollinterval: interval,
  "kubernetes.io/secret/clientid": Buffer.from("00000000-1111-2222-3333-444444444444").toString("base64"),
  "kubernetes.io/secret/clientsecret": Buffer.from("secret").toString("base64"),
  ...extra,
});
const file = (version: string, dir: string, recordOptions: object, refreshedAtMs = NOW - 1_000): RecordFile => ({
  path: "/run/kv-flexvol/volumes/0123456789abcdef0123456789abcdef.json",
  refreshedAtMs,
  version,
  record: { dir, options: recordOptions },
});

test("a record rewritten by a new mount is followed anew: its <dir>, interval and deadline", () => {
  const followed = new Map<string, Followed>();
  const first = file("1:1", "/pods/a/volumes/azure~kv/s", options("1m"));
  expect(followScan(followed, [first], PHASE, NOW).added).toHaveLength(1);
  const volume = followed.get(first.path)!;
  expect([volume.dir, volume.intervalMs, volume.deadlineMs]).toEqual(["/pods/a/volumes/azure~kv/s", 60_000, 60_000]);
  volume.failures = 3;
  const rewritten = file("2:5", "/pods/b/volumes/azure~kv/s", options("10m", { mounttimeout: "90" }), NOW);
  const changes = followScan(followed, [rewritten], PHASE, NOW);
  expect([changes.added, changes.removed, changes.rewritten.map(({ before }) => before.dir)]).toEqual([
    [],
    [],
    ["/pods/a/volumes/azure~kv/s"],
  ]);
  expect(followed.get(first.path)).toEqual({
    file: rewritten,
    dir: "/pods/b/volumes/azure~kv/s",
    intervalMs: 600_000,
    deadlineMs: 90_000,
    dueMs: nextDue(600_000, NOW, PHASE),
    failures: 0,
  });
});

test("a record unchanged since the last scan keeps its schedule and failures; a removed one goes", () => {
  const followed = new Map<string, Followed>();
  const record = file("1:1", "/pods/a/volumes/azure~kv/s", options("1m"));
  followScan(followed, [record], PHASE, NOW);
  const volume = followed.get(record.path)!;
  Object.assign(volume, { failures: 2, dueMs: NOW + 20_000 });
  expect(followScan(followed, [{ ...record }], PHASE, NOW).rewritten).toEqual([]);
  expect(followed.get(record.path)).toBe(volume);
  expect(volume.failures).toBe(2);
  expect(followScan(followed, [], PHASE, NOW).removed).toEqual([volume]);
  expect(followed.size).toBe(0);
});
