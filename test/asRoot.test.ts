// scripts/asRoot.mjs runs npm test, the demo and the bench: as root, or inside `unshare -rm`.
// Each run gets a TMPDIR of its own, and what a run leaves there fails it, named.
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { resolve } from "node:path";

const AS_ROOT = resolve(__dirname, "..", "scripts", "asRoot.mjs");

function asRoot(script: string) {
  const result = spawnSync(process.execPath, [AS_ROOT, "sh", "-c", script], { encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test("the command runs as uid 0 in a TMPDIR of its own", () => {
  const run = asRoot('id -u; echo "$TMPDIR"; test -d "$TMPDIR"');
  expect(run.status).toBe(0);
  const [uid, dir] = run.stdout.trim().split("\n");
  expect(uid).toBe("0");
  expect(dir.startsWith(resolve(tmpdir(), "kv-run-"))).toBe(true);
});

test("what the command leaves in its TMPDIR fails the run, named, and is removed", () => {
  const run = asRoot('touch "$TMPDIR/kv-forgotten"; echo "$TMPDIR"');
  expect(run.status).toBe(1);
  expect(run.stderr).toContain("sh left kv-forgotten in its TMPDIR");
  expect(spawnSync("test", ["-e", run.stdout.trim()]).status).toBe(1);
});

test("tsx's compile cache is not a leftover; the command's own exit code is kept", () => {
  expect(asRoot('mkdir "$TMPDIR/tsx-0"').status).toBe(0);
  expect(asRoot("exit 3").status).toBe(3);
});
