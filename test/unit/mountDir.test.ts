import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OptionError, VolumeError } from "../../src/errors";
import { canonicalMountDir, isVolumeDir, volumeDir } from "../../src/volume/mountDir";

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

describe("the shape of a volume directory of this driver", () => {
  const uuid = "5f1c2a9e-0d3b-4c6e-8a7f-1b2c3d4e5f60";
  it.each([
    ["the default kubelet root", `/var/lib/kubelet/pods/${uuid}/volumes/azure~kv/secrets`],
    ["another --root-dir", `/data/k8s/kubelet/pods/${uuid}/volumes/azure~kv/secrets`],
    ["a static pod's hash uid", "/var/lib/kubelet/pods/6f2b1c0d9e8a7b6c5d4e3f2a1b0c9d8e/volumes/azure~kv/tls"],
    ["a kubelet root that is itself called pods", `/srv/pods/pods/${uuid}/volumes/azure~kv/secrets`],
  ])("%s is one", (_case, dir) => {
    expect(isVolumeDir(dir)).toBe(true);
    expect(volumeDir(dir)).toBe(dir);
  });

  it.each([
    ["/", "/"],
    ["/etc", "/etc"],
    ["another plugin's volume", `/var/lib/kubelet/pods/${uuid}/volumes/kubernetes.io~secret/secrets`],
    ["the plugin's directory itself", `/var/lib/kubelet/pods/${uuid}/volumes/azure~kv`],
    ["a subdirectory of a volume", `/var/lib/kubelet/pods/${uuid}/volumes/azure~kv/secrets/deeper`],
    ["no pods directory", `/var/lib/kubelet/${uuid}/volumes/azure~kv/secrets`],
    ["a pod's own directory", `/var/lib/kubelet/pods/${uuid}`],
  ])("%s is not, and the refusal names it and the expected shape", (_case, dir) => {
    expect(isVolumeDir(dir)).toBe(false);
    expect(() => volumeDir(dir)).toThrow(OptionError);
    expect(() => volumeDir(dir)).toThrow(
      `option <dir>: '${dir}' is not a volume directory of this driver: kubelet passes <kubelet root>/pods/<pod ` +
        `uid>/volumes/azure~kv/<volume name>`,
    );
  });

  it("a path whose '..' leads out of the volumes is refused by where it leads", () => {
    const dir = `${join(root, "kubelet", "pods", "uid-1", "volumes", "azure~kv")}/../../../../elsewhere`;
    expect(() => volumeDir(dir)).toThrow(
      `'${dir}' (resolved: ${join(root, "kubelet", "elsewhere")}) is not a volume directory`,
    );
  });

  it("a symlinked volume pointing outside is refused by its target", () => {
    const target = join(root, "outside");
    mkdirSync(target);
    const dir = join(root, "kubelet", "pods", "uid-1", "volumes", "azure~kv", "secrets");
    symlinkSync(target, dir);
    expect(() => volumeDir(dir)).toThrow(`(resolved: ${target}) is not a volume directory`);
  });
});
