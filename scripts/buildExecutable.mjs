// Turns the CLI bundle into the driver executable kubelet runs on nodes without Node.js:
// a Node single executable application, i.e. a copy of this node binary with a small main
// script (seaMain.cjs, which answers `init` itself), the bundle and the bundle's V8 code
// cache injected. The README ("Why a Node.js single executable") says why this and not
// the alternatives, with the start-up times behind the code cache.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// Node's documented sentinel: the fuse the node binary flips to know a blob was injected.
const SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";
const POSTJECT_CLI = createRequire(import.meta.url).resolve("postject/dist/cli.js");
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
  // an interrupted build never leaves a half-injected executable for tests or the image.
  mkdirSync(dirname(output), { recursive: true });
  const work = mkdtempSync(join(dirname(output), ".sea-"));
  try {
    const config = join(work, "sea-config.json");
    const blob = join(work, "sea.blob");
    const codeCache = join(work, "kv.js.cache");
    run([process.execPath, TSX_CLI, TRAINING_MOUNT, SEA_MAIN, resolve(bundle), codeCache]);
    writeFileSync(
      config,
      JSON.stringify({
        main: SEA_MAIN,
        output: blob,
        // Without this every call prints an ExperimentalWarning on stderr.
        disableExperimentalSEAWarning: true,
        // seaMain.cjs compiles the bundle with this cache: about 15 ms less per call
        // (README). useSnapshot is not an option on Node 20: the snapshot builder cannot
        // load `http`, which the Azure SDK needs.
        assets: { "kv.js": resolve(bundle), "kv.js.cache": codeCache },
        // The main script's own cache: a few lines, no measurable effect either way.
        useCodeCache,
      }),
    );
    // The blob's code cache is only valid for the node binary that made it, so the same
    // binary (the one running this build) is the one copied below.
    run([process.execPath, "--experimental-sea-config", config]);

    const executable = join(work, "kv");
    copyFileSync(process.execPath, executable);
    run([process.execPath, POSTJECT_CLI, executable, "NODE_SEA_BLOB", blob, "--sentinel-fuse", SEA_FUSE]);
    chmodSync(executable, 0o755);
    renameSync(executable, output);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Runs a build step quietly (postject's ELF library prints harmless warnings); shows its output only if it fails. */
function run([command, ...args]) {
  try {
    // KV_DRIVER_LOG: the training mount must not write to the build machine's driver log.
    execFileSync(command, args, { stdio: "pipe", env: { ...process.env, KV_DRIVER_LOG: "/dev/null" } });
  } catch (error) {
    process.stderr.write(`${error.stdout ?? ""}${error.stderr ?? ""}`);
    throw new Error(`build step failed: ${[command, ...args].join(" ")}`);
  }
}
