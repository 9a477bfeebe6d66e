// installer/install.sh against a temporary TARGET_DIR standing in for kubelet's plugin dir.
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  appendFileSync,
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
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

const baseEnv = (): InstallerEnv => ({
  TARGET_DIR: targetDir,
  SOURCE: source,
  POLL_SECONDS: "1",
  VERIFIED_FILE: join(work, "verified"),
});

function startInstaller(env: InstallerEnv = {}, mode: string[] = []): InstallerProcess {
  const installer = new InstallerProcess({ ...baseEnv(), ...env }, mode);
  running.push(installer);
  return installer;
}

/** One run of the installer that is expected to stop on its own (a failure, or a probe). */
function installOnce(override: InstallerEnv = {}, mode: string[] = []) {
  const env = { PATH: process.env.PATH, ...baseEnv(), ...override };
  return spawnSync(INSTALL_SH, mode, { env, encoding: "utf8", timeout: 10_000 });
}

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "kv-installer-"));
  targetDir = join(work, "volumeplugins");
  mkdirSync(targetDir);
  source = join(work, "kv");
  writeFileSync(source, randomBytes(1 << 20), { mode: 0o644 }); // mode is the installer's job
});

afterEach(async () => {
  // SIGTERM: the trap also ends its `sleep`, which would hold jest open for POLL_SECONDS.
  await Promise.all(running.splice(0).map((installer) => installer.stop("SIGTERM")));
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
    [
      "TARGET_DIR is no directory",
      { TARGET_DIR: "/nonexistent/plugins" },
      /TARGET_DIR \/nonexistent\/plugins is not a directory/,
    ],
    ["SOURCE is missing", { SOURCE: "/nonexistent/kv" }, /SOURCE \/nonexistent\/kv is not a readable file/],
    ["POLL_SECONDS is no number", { POLL_SECONDS: "soon" }, /POLL_SECONDS must be a whole number/],
  ])("%s", (_case, override, message) => {
    const run = installOnce(override);

    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(visibleEntries(targetDir)).toEqual([]);
  });
});

/** A stand-in driver that answers `init` as kubelet expects (or as told), and logs nothing. */
function answeringDriver(answer = '{"status":"Success","capabilities":{"attach":false,"fsGroup":false}}'): void {
  writeFileSync(source, `#!/bin/sh\n[ "$1" = init ] && echo '${answer}'\n`, { mode: 0o755 });
}

const ready = () => installOnce({}, ["ready"]);

describe("readiness (install.sh ready): the installed driver is the image's, byte for byte, and answers init", () => {
  test("is not ready before the installer has verified a driver", () => {
    answeringDriver();
    const probe = ready();
    expect(probe.status).toBe(1);
    expect(probe.stderr).toMatch(/not ready: .*azure~kv\/kv is missing/);
  });

  test("is ready once the driver is installed and answers init", async () => {
    answeringDriver();
    await startInstaller({ POLL_SECONDS: "3600" }).waitForLine(/ installed /);
    const probe = ready();
    expect(probe.stderr).toBe("");
    expect(probe.status).toBe(0);
  });

  test("is not ready once the installed driver was changed, until it is replaced", async () => {
    answeringDriver();
    await startInstaller({ POLL_SECONDS: "3600" }).waitForLine(/ installed /);
    appendFileSync(driverIn(targetDir), "# tampered\n"); // still a driver that answers init

    const probe = ready();
    expect(probe.status).toBe(1);
    expect(probe.stderr).toMatch(/not \(yet\) verified to be .* byte for byte/);
  });

  test("is not ready when the driver's init does not answer Success, and says what it answered", async () => {
    answeringDriver('{"status":"Failure","message":"broken"}');
    await startInstaller({ POLL_SECONDS: "3600" }).waitForLine(/ installed /);
    const probe = ready();
    expect(probe.status).toBe(1);
    expect(probe.stderr).toMatch(/init answered: \{"status":"Failure","message":"broken"\}/);
  });
});

describe("a read-only plugin dir", () => {
  /** targetDir as a tmpfs, so it can be remounted read-only. */
  function readOnlyLater(): () => void {
    expect(spawnSync("mount", ["-t", "tmpfs", "tmpfs", targetDir]).status).toBe(0);
    // bind,ro: read-only for this mount only, which a user namespace (non-root npm test) may do too.
    return () => expect(spawnSync("mount", ["-o", "remount,bind,ro", targetDir]).status).toBe(0);
  }
  afterEach(() => spawnSync("umount", [targetDir]));

  test("with the driver intact: reported, nothing written, and Ready", async () => {
    answeringDriver();
    const makeReadOnly = readOnlyLater();
    await installDriver(targetDir, source);
    makeReadOnly();

    const installer = startInstaller({ POLL_SECONDS: "3600" });
    await installer.waitForLine(/ up to date: .* is read-only, which is fine while the driver stays intact$/);
    expect(ready().status).toBe(0);
  });

  test("with the driver missing: fails, saying the dir is read-only", () => {
    readOnlyLater()();
    const run = installOnce();
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/is not writable by uid 0, and .*azure~kv\/kv is missing or differs/);
  });
});

describe("uninstall (deployment/kv-flexvol-uninstall.yaml)", () => {
  const podUid = "0d1c6d2e-5b8a-4e49-9d52-1f0b2a7c9e31";
  let podsDir: string;
  let volume: string;
  beforeEach(() => {
    podsDir = join(work, "pods");
    volume = join(podsDir, podUid, "volumes", "azure~kv", "secrets");
    mkdirSync(volume, { recursive: true });
  });
  afterEach(() => spawnSync("umount", [volume]));
  const uninstalled = () => installOnce({ PODS_DIR: podsDir }, ["uninstalled"]);

  test("waits while an azure~kv volume is mounted, naming its pod, then removes azure~kv and stays Ready", async () => {
    await installDriver(targetDir, source);
    expect(spawnSync("mount", ["-t", "tmpfs", "tmpfs", volume]).status).toBe(0);

    const uninstaller = startInstaller({ PODS_DIR: podsDir }, ["uninstall"]);
    await uninstaller.waitForLine(
      new RegExp(`refusing to remove .*azure~kv: .*pod ${podUid} volume secrets; delete those pods first`),
    );
    expect(existsSync(driverIn(targetDir))).toBe(true);
    expect(uninstalled().status).toBe(1);

    expect(spawnSync("umount", [volume]).status).toBe(0);
    await uninstaller.waitForLine(/ uninstalled: removed .*azure~kv$/);
    expect(readdirSync(targetDir)).toEqual([]);
    expect(uninstalled().status).toBe(0);
    expect(uninstaller.lines.filter((line) => / refusing /.test(line))).toHaveLength(1); // said once, not every poll
  });

  test("refuses to run without PODS_DIR, which it needs to see mounted volumes", async () => {
    await installDriver(targetDir, source);
    const run = installOnce({}, ["uninstall"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/PODS_DIR is not set/);
    expect(existsSync(driverIn(targetDir))).toBe(true);
  });
});

const shellcheck = spawnSync("shellcheck", ["--version"]).status === 0;
(shellcheck ? test : test.skip)("is clean under shellcheck (CI installs it)", () => {
  const run = spawnSync("shellcheck", ["--shell=sh", INSTALL_SH], { encoding: "utf8" });
  expect(run.stdout + run.stderr).toBe("");
  expect(run.status).toBe(0);
});
