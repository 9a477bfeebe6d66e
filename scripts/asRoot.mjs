// Runs a command as root, as mounting a tmpfs needs: directly when we are root, else
// inside a private user + mount namespace (`unshare -rm`) where we are, when the kernel
// allows unprivileged user namespaces. Used by npm test, demo and bench.
//   node scripts/asRoot.mjs <command> [args...]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requirePinnedNode } from "./pinnedNode.cjs";

const [command, ...args] = process.argv.slice(2);
// The command finds its node on the same PATH (node_modules/.bin first, under npm).
requirePinnedNode(`${command} (scripts/asRoot.mjs)`);
const isRoot = process.getuid?.() === 0;
const unshares = (flags) => spawnSync("unshare", [...flags, "true"], { stdio: "ignore" }).status === 0;
// --map-auto also maps the user's subordinate ids (/etc/subuid, /etc/subgid; newuidmap from the
// uidmap package) to 1..65535, so the tests that give files a pod's fsGroup (2000, ...) run too.
const withSubordinateIds = ["-rm", "--map-auto"];
const unshareFlags = isRoot ? [] : unshares(withSubordinateIds) ? withSubordinateIds : ["-rm"];
if (!isRoot && !unshares(unshareFlags)) {
  console.error(
    "This mounts tmpfs volumes, which needs root, or unprivileged user namespaces for `unshare -rm` " +
      "(util-linux). Neither is available here: run it as root (sudo).",
  );
  process.exit(1);
}
if (!isRoot) {
  console.error(
    `(not root: running inside \`unshare ${unshareFlags.join(" ")}\`, a private user and mount namespace` +
      (unshareFlags.length > 1 ? ")" : "; no subordinate ids to map: fsGroup tests skip)"),
  );
}
const [file, argv] = isRoot ? [command, args] : ["unshare", [...unshareFlags, command, ...args]];
// Each run gets a temp dir of its own. Inside the namespace we look like uid 0, so tools' per-user
// temp dirs (/tmp/tsx-0, ...) would otherwise be the real root's; and what the run leaves in it is
// what the tests, the demo or the bench forgot to remove: named, and the run fails.
const privateTmp = mkdtempSync(join(tmpdir(), "kv-run-"));
const result = spawnSync(file, argv, { stdio: "inherit", env: { ...process.env, TMPDIR: privateTmp } });
// tsx keeps its compile cache there (tsx-<uid>); jest's is under node_modules/.cache (jest.config.js).
const leftovers = readdirSync(privateTmp).filter((name) => !/^tsx-\d+$/.test(name));
rmSync(privateTmp, { recursive: true, force: true });
if (leftovers.length > 0) {
  console.error(`${command} left ${leftovers.join(", ")} in its TMPDIR: whatever made them must remove them.`);
  process.exit(result.status || 1);
}
process.exit(result.status ?? 1);
