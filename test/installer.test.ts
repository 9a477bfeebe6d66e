// installer/install.sh against a temporary TARGET_DIR standing in for kubelet's plugin dir.
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { appendFileSync, chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { INSTALL_SH, InstallerEnv, InstallerProcess, driverIn, installDriver } from "./installerProcess";

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
const modeOf = (file: string) => statSync(file).mode & 0o7777;
/** What kubelet's prober would consider: every entry not starting with a dot. */
const visibleEntries = (dir: string) => readdirSync(dir).filter((name) => !name.startsWith("."));

let work: string;
let targetDir: string;
let source: string;
const running: InstallerProcess[] = [];

function startInstaller(env: InstallerEnv = {}): InstallerProcess {
  const installer = new InstallerProcess({ TARGET_DIR: targetDir, SOURCE: source, POLL_SECONDS: "1", ...env });
  running.push(installer);
  return installer;
}

/** One run of the installer that is expected to stop on its own (a failure). */
function installOnce(override: InstallerEnv = {}) {
  const env = { PATH: process.env.PATH, TARGET_DIR: targetDir, SOURCE: source, POLL_SECONDS: "1", ...override };
  return spawnSync(INSTALL_SH, [], { env, encoding: "utf8", timeout: 10_000 });
}

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "kv-installer-"));
  targetDir = join(work, "volumeplugins");
  mkdirSync(targetDir);
  source = join(work, "kv");
  writeFileSync(source, randomBytes(1 << 20), { mode: 0o644 }); // mode is the installer's job
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((installer) => installer.stop("SIGKILL")));
  rmSync(work, { recursive: true, force: true });
});

test("installs the driver executable with mode 0755 and the source's sha256", async () => {
  const installer = startInstaller();

  await installer.waitForLine(/ installed .*azure~kv\/kv \(sha256 [0-9a-f]{64}\)$/);

  const driver = driverIn(targetDir);
  expect(modeOf(driver)).toBe(0o755);
  expect(sha256(driver)).toBe(sha256(source));
  expect(readdirSync(targetDir)).toEqual(["azure~kv"]); // no temp dir left behind
});

test("kubelet never sees a partial driver: it is absent or complete", async () => {
  // Big enough that the copy takes a while; not sparse, so cp really writes it.
  const size = 128 << 20;
  writeFileSync(source, Buffer.alloc(size, 0x5a));
  const driver = driverIn(targetDir);
  const seen = { staging: false, partialDriver: [] as number[], strangers: new Set<string>() };

  startInstaller();
  // Busy-watch from this process while the installer copies; it runs on its own meanwhile.
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    for (const name of readdirSync(targetDir)) {
      if (name.startsWith(".azure~kv.tmp.")) seen.staging = true;
      else if (name !== "azure~kv") seen.strangers.add(name);
    }
    const current = statSync(driver, { throwIfNoEntry: false })?.size;
    if (current === size) break;
    if (current !== undefined) seen.partialDriver.push(current);
  }

  expect(seen.partialDriver).toEqual([]);
  expect([...seen.strangers]).toEqual([]);
  expect(seen.staging).toBe(true); // the watch really ran while the copy was in flight
  expect(sha256(driver)).toBe(sha256(source));
});

test("re-installs the driver after it is removed from the node", async () => {
  const installer = startInstaller();
  await installer.waitForLine(/ installed /);

  unlinkSync(driverIn(targetDir));

  await installer.waitForLine(/ installed /, { count: 2 });
  expect(sha256(driverIn(targetDir))).toBe(sha256(source));
  expect(modeOf(driverIn(targetDir))).toBe(0o755);
});

test.each([
  ["its content changes", (driver: string) => appendFileSync(driver, "tampered")],
  ["its mode changes", (driver: string) => chmodSync(driver, 0o644)],
])("replaces the driver when %s on the node", async (_what, change) => {
  const installer = startInstaller();
  await installer.waitForLine(/ installed /);

  change(driverIn(targetDir));

  await installer.waitForLine(/ replaced changed /);
  expect(sha256(driverIn(targetDir))).toBe(sha256(source));
  expect(modeOf(driverIn(targetDir))).toBe(0o755);
});

test("a re-run over an intact install leaves the driver in place (idempotent)", async () => {
  await installDriver(targetDir, source);
  const before = statSync(driverIn(targetDir));

  const again = startInstaller();
  await again.waitForLine(/ up to date: /);

  const after = statSync(driverIn(targetDir));
  expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  expect(again.lines.filter((line) => / (installed|replaced) /.test(line))).toEqual([]);
});

test("exits 0 within 2 s of SIGTERM, leaving no temp dir", async () => {
  const installer = startInstaller({ POLL_SECONDS: "3600" });
  await installer.waitForLine(/ installed /);

  const exit = await installer.stop("SIGTERM");

  expect(exit).toMatchObject({ code: 0, signal: null });
  expect(exit.ms).toBeLessThan(2000);
  expect(installer.lines.at(-1)).toMatch(/ stopping on signal$/);
  expect(readdirSync(targetDir)).toEqual(["azure~kv"]);
});

test("removes the temp dir of an installer that was killed mid-copy", async () => {
  const stale = join(targetDir, ".azure~kv.tmp.Ab12Cd");
  mkdirSync(stale);
  writeFileSync(join(stale, "kv"), "half a driver");

  const installer = startInstaller();
  await installer.waitForLine(/ installed /);

  expect(installer.lines.some((line) => line.endsWith(`removed stale ${stale}`))).toBe(true);
  expect(readdirSync(targetDir)).toEqual(["azure~kv"]);
});

test("replaces a symlink in the driver's place, never writing through it", async () => {
  const elsewhere = join(work, "elsewhere");
  mkdirSync(elsewhere);
  mkdirSync(join(targetDir, "azure~kv"));
  symlinkSync(elsewhere, driverIn(targetDir));

  const installer = startInstaller();
  await installer.waitForLine(/ replaced changed /);

  expect(lstatSync(driverIn(targetDir)).isFile()).toBe(true);
  expect(sha256(driverIn(targetDir))).toBe(sha256(source));
  expect(readdirSync(elsewhere)).toEqual([]);
});

test("refuses a directory in the driver's place, saying so, rather than installing into it", () => {
  mkdirSync(driverIn(targetDir), { recursive: true });
  const run = installOnce();
  expect(run.status).toBe(1);
  expect(run.stderr).toMatch(/azure~kv\/kv is a directory: remove it/);
  expect(readdirSync(driverIn(targetDir))).toEqual([]);
});

test.each([
  ["another file system", (dir: string) => ["-t", "tmpfs", "tmpfs", dir]],
  ["a bind mount of the same one", (dir: string) => ["--bind", dir, dir]],
])("refuses to install across mounts (%s), where the copy could be seen half-written", (_what, mountArgs) => {
  const driverDir = join(targetDir, "azure~kv");
  mkdirSync(driverDir);
  expect(spawnSync("mount", mountArgs(driverDir)).status).toBe(0);
  try {
    const run = installOnce();
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/is another mount than .*: the driver cannot be replaced in one step there/);
    expect(readdirSync(driverDir)).toEqual([]);
    expect(readdirSync(targetDir)).toEqual(["azure~kv"]); // and its temp dir is gone
  } finally {
    spawnSync("umount", [driverDir]);
  }
});

describe("fails at once, saying what to fix, when misconfigured", () => {
  test.each([
    ["TARGET_DIR is unset", { TARGET_DIR: undefined }, /TARGET_DIR is not set/],
    ["TARGET_DIR is no directory", { TARGET_DIR: "/nonexistent/plugins" }, /TARGET_DIR \/nonexistent\/plugins is not a directory/],
    ["SOURCE is missing", { SOURCE: "/nonexistent/kv" }, /SOURCE \/nonexistent\/kv is not a readable file/],
    ["POLL_SECONDS is no number", { POLL_SECONDS: "soon" }, /POLL_SECONDS must be a whole number/],
  ])("%s", (_case, override, message) => {
    const run = installOnce(override);

    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(visibleEntries(targetDir)).toEqual([]);
  });
});

const shellcheck = spawnSync("shellcheck", ["--version"]).status === 0;
(shellcheck ? test : test.skip)("is clean under shellcheck (CI installs it)", () => {
  const run = spawnSync("shellcheck", ["--shell=sh", INSTALL_SH], { encoding: "utf8" });
  expect(run.stdout + run.stderr).toBe("");
  expect(run.status).toBe(0);
});
