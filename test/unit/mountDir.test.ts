import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VolumeError } from "../../src/errors";
import { canonicalMountDir } from "../../src/volume/mountDir";

let root: string;
beforeEach(() => {
  // realpath: the test's own temporary directory may sit behind a symlink too.
  root = realpathSync(mkdtempSync(join(tmpdir(), "kv-mountdir-")));
  mkdirSync(join(root, "kubelet", "pods", "uid-1", "volumes", "azure~kv"), { recursive: true });
  symlinkSync(join(root, "kubelet"), join(root, "kubelet-link"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

test("a dir reached through a symlink is named by its real path, as mountinfo names it", () => {
  mkdirSync(join(root, "kubelet", "pods", "uid-1", "volumes", "azure~kv", "secrets"));
  expect(canonicalMountDir(join(root, "kubelet-link", "pods", "uid-1", "volumes", "azure~kv", "secrets"))).toBe(
    join(root, "kubelet", "pods", "uid-1", "volumes", "azure~kv", "secrets"),
  );
});

test("the part not made yet is kept as given, under its parent's real path", () => {
  expect(canonicalMountDir(join(root, "kubelet-link", "pods", "uid-1", "volumes", "azure~kv", "new", "deeper"))).toBe(
    join(root, "kubelet", "pods", "uid-1", "volumes", "azure~kv", "new", "deeper"),
  );
});

test("a plain path stays as it is, trailing slash and dots normalised", () => {
  const dir = join(root, "kubelet", "pods", "uid-1", "volumes", "azure~kv");
  expect(canonicalMountDir(`${dir}/./`)).toBe(dir);
});

test("'..' after a symlink goes up from the symlink's target, as the kernel goes", () => {
  mkdirSync(join(root, "elsewhere", "real"), { recursive: true });
  symlinkSync(join(root, "elsewhere", "real"), join(root, "link"));
  expect(canonicalMountDir(join(root, "link") + "/../sibling")).toBe(join(root, "elsewhere", "sibling"));
});

test("a path through a file is kept below the file's real path: mount then says what is wrong", () => {
  writeFileSync(join(root, "file"), "");
  expect(canonicalMountDir(join(root, "file", "secrets"))).toBe(join(root, "file", "secrets"));
});

test("a path that cannot be resolved is a VolumeError that names it", () => {
  symlinkSync("loop", join(root, "loop"));
  const dir = join(root, "loop", "secrets");
  expect(() => canonicalMountDir(dir)).toThrow(VolumeError);
  expect(() => canonicalMountDir(dir)).toThrow(`cannot resolve ${dir}: ELOOP`);
});
