// Turns the CLI bundle into the driver executable kubelet runs on nodes without Node.js:
// a Node single executable application, i.e. a copy of the pinned node binary
// (pinnedNode.cjs) with a small main script (seaMain.cjs, which answers `init` itself), the
// bundle and the bundle's V8 code cache embedded. The README ("Why a Node.js single
// executable") says why this and not the alternatives, with the start-up times behind the
// code cache.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { pinnedNodePath } from "./pinnedNode.cjs";

const SEA_MAIN = fileURLToPath(new URL("seaMain.cjs", import.meta.url));
/**
 * The call run at build time before the bundle's code cache is written: a real mount
 * against the test stand-in of Azure (trainingMount.ts), so the cache holds the functions
 * a mount runs compiled, not just the top level of each module.
 */
const TRAINING_MOUNT = fileURLToPath(new URL("trainingMount.ts", import.meta.url));
const TSX_CLI = createRequire(import.meta.url).resolve("tsx/cli");

/**
 * @param {string} bundle  the CommonJS bundle (dist/kv.js)
 * @param {string} output  the executable to write (dist/azure~kv/kv)
 * @param {{ useCodeCache?: boolean }} [options]
 */
export function buildExecutable(bundle, output, { useCodeCache = true } = {}) {
  // Work beside the output so the finished executable is renamed into place in one step:
  // an interrupted build never leaves a half-written executable for tests or the image.
  mkdirSync(dirname(output), { recursive: true });
  const work = mkdtempSync(join(dirname(output), ".sea-"));
  try {
    const config = join(work, "sea-config.json");
    const executable = join(work, "kv");
    const codeCache = join(work, "kv.js.cache");
    // V8 accepts a code cache only from the binary that made it: the pinned node both
    // trains the cache and is the binary embedded below.
    const node = pinnedNodePath();
    if (!node) throw new Error("no pinned node binary for this machine (scripts/pinnedNode.cjs)");
    run([node, TSX_CLI, TRAINING_MOUNT, SEA_MAIN, resolve(bundle), codeCache]);
    writeFileSync(
      config,
      JSON.stringify({
        main: SEA_MAIN,
        executable: node,
        output: executable,
        // Without this every call prints an ExperimentalWarning on stderr.
        disableExperimentalSEAWarning: true,
        // seaMain.cjs compiles the bundle with this cache: about 15 ms less per call
        // (README).
        assets: { "kv.js": resolve(bundle), "kv.js.cache": codeCache },
        // The main script's own cache: a few lines, no measurable effect either way.
        useCodeCache,
      }),
    );
    // Writes a copy of the node binary with the main script and the assets embedded.
    run([node, "--build-sea", config]);
    chmodSync(executable, 0o755);
    renameSync(executable, output);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Runs a build step quietly; shows its output only if it fails. */
function run([command, ...args]) {
  try {
    // KV_DRIVER_LOG: the training mount must not write to the build machine's driver log.
    // NODE_OPTIONS (.npmrc's, for jest): the steps run the driver as nodes run it.
    const env = { ...process.env, KV_DRIVER_LOG: "/dev/null" };
    delete env.NODE_OPTIONS;
    execFileSync(command, args, { stdio: "pipe", env });
  } catch (error) {
    process.stderr.write(`${error.stdout ?? ""}${error.stderr ?? ""}`);
    throw new Error(`build step failed: ${[command, ...args].join(" ")}`, { cause: error });
  }
}
