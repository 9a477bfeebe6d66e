// Bundles the CLI into one CommonJS file: dist/kv.js.
import { build } from "esbuild";

await build({
  entryPoints: ["src/cli.ts"],
  outfile: "dist/kv.js",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  minify: true,
  sourcemap: false,
  legalComments: "none",
  logLevel: "warning",
});
