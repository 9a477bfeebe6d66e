// Turns the CLI bundle into the driver executable kubelet runs on nodes without Node.js:
// a Node single executable application, i.e. a copy of this node binary with the bundle
// and its V8 code cache injected. The README ("Why a Node.js single executable") says why
// this and not the alternatives, with the start-up times behind `useCodeCache`.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";

// Node's documented sentinel: the fuse the node binary flips to know a blob was injected.
const SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";
const POSTJECT_CLI = createRequire(import.meta.url).resolve("postject/dist/cli.js");

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
    writeFileSync(
      config,
      JSON.stringify({
        main: resolve(bundle),
        output: blob,
        // Without this every call prints an ExperimentalWarning on stderr.
        disableExperimentalSEAWarning: true,
        // About 15 ms less per call (README). useSnapshot is not an option on
        // Node 20: the snapshot builder cannot load `http`, which the Azure SDK needs.
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
    execFileSync(command, args, { stdio: "pipe" });
  } catch (error) {
    process.stderr.write(`${error.stdout ?? ""}${error.stderr ?? ""}`);
    throw new Error(`build step failed: ${[command, ...args].join(" ")}`);
  }
}
