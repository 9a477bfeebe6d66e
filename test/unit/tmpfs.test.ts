import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VolumeError } from "../../src/errors";
import { unmountTmpfs } from "../../src/volume/tmpfs";

test("a failing mount command is a VolumeError in the command's own words", () => {
  const dir = mkdtempSync(join(tmpdir(), "kv-not-mounted-"));
  try {
    expect(() => unmountTmpfs(dir)).toThrow(VolumeError);
    // umount says why (not mounted, or not allowed), and the message names the command.
    expect(() => unmountTmpfs(dir)).toThrow(new RegExp(`^umount ${dir} failed: \\S`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
