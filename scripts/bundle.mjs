// Bundles a CLI entry point and everything it imports into one CommonJS file.
// CommonJS because a Node single executable can only run a CommonJS main script,
// and one file because its require() reaches built-in modules only.
import { build } from "esbuild";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/**
 * Modules the driver never uses, replaced in the bundle by what they export when switched
 * off (the speed door's inventory, src/speed/index.ts, lists each with its gain and test).
 * `jsonwebtoken` (with semver and lodash) is MSAL's, used only to sign client-certificate
 * assertions, which the driver never makes; msal-node loads it at its own start. `debug` is
 * the SDK's proxy agents' logging, switched off for correctness: it creates the stderr
 * stream as it loads, and output it wrote on a DEBUG switched on in kubelet's environment
 * would only be diverted to the log (cli.ts). Without it, its optional `supports-color`,
 * which the single executable would answer with a warning on stderr, is gone too.
 */
export const SWITCHED_OFF = {
  jsonwebtoken: "module.exports = {};",
  debug: "module.exports = () => Object.assign(() => {}, { enabled: false });",
};

const switchOff = {
  name: "switch-off",
  setup(b) {
    b.onResolve({ filter: new RegExp(`^(${Object.keys(SWITCHED_OFF).join("|")})$`) }, (args) => ({
      path: args.path,
      namespace: "switched-off",
    }));
    b.onLoad({ filter: /.*/, namespace: "switched-off" }, (args) => ({ contents: SWITCHED_OFF[args.path] }));
  },
};

/** src/version.ts: the executable has no package.json to read the driver's version from. */
const DRIVER_VERSION = require("../package.json").version;

/** @returns esbuild's metafile of the bundle */
export async function bundle(entry, outfile) {
  const { metafile } = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    target: "node26",
    format: "cjs",
    minify: true,
    sourcemap: false,
    legalComments: "none",
    logLevel: "warning",
    plugins: [switchOff],
    // What went in, by path: test/bundle.test.ts checks every switched-off module was met.
    metafile: true,
    define: { KV_DRIVER_VERSION: JSON.stringify(DRIVER_VERSION) },
  });
  return metafile;
}
