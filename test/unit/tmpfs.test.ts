import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VolumeError } from "../../src/errors";
import { deadlineIn, unmount } from "../../src/volume/tmpfs";

// A command that outlives its deadline is in test/e2e/staging.test.ts: jest's process.env is
// not the one child processes get, so a PATH wrapper works only through the driver.
let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "kv-not-mounted-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const bound = (ms: number) => deadlineIn(ms, `the test's ${ms / 1000}s bound`);

test("a failing mount command is a VolumeError in the command's own words", () => {
  expect(() => unmount(dir, bound(10_000))).toThrow(VolumeError);
  // umount says why (not mounted, or not allowed), and the message names the command.
  expect(() => unmount(dir, bound(10_000))).toThrow(new RegExp(`^umount ${dir} failed: \\S`));
});

test("a command is not even started once its deadline has passed", () => {
  expect(() => unmount(dir, bound(-1))).toThrow(`umount ${dir} not run: the test's -0.001s bound has passed`);
});
