import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isUnfinished } from "../../src/volume/writeVolume";

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "kv-unfinished-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test("an empty volume is unfinished: a volume always has at least one file", () => {
  expect(isUnfinished(dir)).toBe(true);
});

test("a staging directory left behind marks it unfinished, whatever else is there", () => {
  writeFileSync(join(dir, "db-password"), "x");
  mkdirSync(join(dir, ".staging-AbC123"));
  expect(isUnfinished(dir)).toBe(true);
});

test("files alone are a finished volume, even a file whose alias looks like a staging directory", () => {
  writeFileSync(join(dir, "db-password"), "x");
  writeFileSync(join(dir, ".staging-is-my-alias"), "y");
  expect(isUnfinished(dir)).toBe(false);
});
