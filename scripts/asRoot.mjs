// Runs a command as root, as mounting a tmpfs needs: directly when we are root, else
// inside a private user + mount namespace (`unshare -rm`) where we are, when the kernel
// allows unprivileged user namespaces. Used by npm test, demo and bench.
//   node scripts/asRoot.mjs <command> [args...]
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requirePinnedNode } from "./pinnedNode.cjs";

const [command, ...args] = process.argv.slice(2);
// The command finds its node on the same PATH (node_modules/.bin first, under npm).
requirePinnedNode(`${command} (scripts/asRoot.mjs)`);
const isRoot = process.getuid?.() === 0;
if (!isRoot && spawnSync("unshare", ["-rm", "true"], { stdio: "ignore" }).status !== 0) {
  console.error(
    "This mounts tmpfs volumes, which needs root, or unprivileged user namespaces for `unshare -rm` " +
      "(util-linux). Neither is available here: run it as root (sudo).",
  );
  process.exit(1);
}
if (!isRoot) console.error("(not root: running inside `unshare -rm`, a private user and mount namespace)");
const [file, argv] = isRoot ? [command, args] : ["unshare", ["-rm", command, ...args]];
// Inside the namespace we look like uid 0, so tools' per-user temp dirs (/tmp/tsx-0, ...)
// would be the real root's: give the run a temp dir of its own.
const privateTmp = isRoot ? undefined : mkdtempSync(join(tmpdir(), "kv-unshare-"));
const result = spawnSync(file, argv, {
  stdio: "inherit",
  env: privateTmp ? { ...process.env, TMPDIR: privateTmp } : process.env,
});
if (privateTmp) rmSync(privateTmp, { recursive: true, force: true });
process.exit(result.status ?? 1);
