// Whether a refresh may write <dir>: only a <dir> that is gone means its volume went (and its
// record may be dropped); any other error is a refresh that failed, retried later.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VolumeError } from "../../src/errors";
import { holdMountedVolume } from "../../src/rotation/mountedVolume";

let root: string;
beforeEach(() => (root = mkdtempSync(join(tmpdir(), "kv-held-"))));
afterEach(() => rmSync(root, { recursive: true, force: true }));

test("a <dir> that is gone, or not a directory any more, is not held: its volume went", () => {
  writeFileSync(join(root, "file"), "");
  expect(holdMountedVolume(join(root, "missing"))).toBeUndefined();
  expect(holdMountedVolume(join(root, "file", "volume"))).toBeUndefined();
});

test("a plain directory is not a mounted volume", () => {
  mkdirSync(join(root, "plain"));
  expect(holdMountedVolume(join(root, "plain"))).toBeUndefined();
});

test("any other error (here ELOOP) fails the refresh instead of passing for a volume gone", () => {
  symlinkSync("loop", join(root, "loop"));
  expect(() => holdMountedVolume(join(root, "loop"))).toThrow(VolumeError);
  expect(() => holdMountedVolume(join(root, "loop"))).toThrow(/cannot open .*loop to refresh it: ELOOP/);
});
