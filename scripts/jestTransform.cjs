"use strict";
// Jest's TypeScript transform: esbuild strips the types of each test file, as it does for
// the bundle. Type checking is `npm run typecheck` (tsc), which npm test runs first; ts-jest,
// which did both, does not work with TypeScript 7 (whose compiler has no JavaScript API).
const { createHash } = require("node:crypto");
const { readFileSync } = require("node:fs");
const { transformSync, version } = require("esbuild");

const THIS_FILE = readFileSync(__filename);

module.exports = {
  process(source, path) {
    const { code, map } = transformSync(source, {
      loader: "ts",
      format: "cjs",
      target: "node26",
      sourcefile: path,
      sourcemap: "external",
    });
    return { code, map };
  },
  getCacheKey(source, path) {
    return createHash("sha256").update(version).update(THIS_FILE).update(path).update(source).digest("hex");
  },
};
