// Bundles a CLI entry point and everything it imports into one CommonJS file.
// CommonJS because a Node single executable can only run a CommonJS main script,
// and one file because its require() reaches built-in modules only.
import { build } from "esbuild";

/**
 * Modules that resolve to an empty module in the bundle. `debug` (pulled in by
 * the proxy agents) tries `require("supports-color")` in a try/catch. Left to esbuild, it
 * is bundled only if some dev dependency happens to install it, and otherwise stays a
 * runtime require, which the single executable answers with a warning on stderr: that
 * warning would break kubelet's parsing of the call's output. `jsonwebtoken` (with semver
 * and lodash) is MSAL's, used only to sign client-certificate assertions, which the driver
 * never makes: left out, every mount loads about 10 ms less.
 */
const OMITTED = ["supports-color", "jsonwebtoken"];

const omitOptionalRequires = {
  name: "omit-optional-requires",
  setup(b) {
    const filter = new RegExp(`^(${OMITTED.join("|")})$`);
    b.onResolve({ filter }, (args) => ({ path: args.path, namespace: "omitted" }));
    b.onLoad({ filter: /.*/, namespace: "omitted" }, () => ({ contents: "module.exports = {};" }));
  },
};

export async function bundle(entry, outfile) {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    sourcemap: false,
    legalComments: "none",
    logLevel: "warning",
    plugins: [omitOptionalRequires],
  });
}
