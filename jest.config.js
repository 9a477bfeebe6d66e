// Tests run on the node the executable embeds (scripts/pinnedNode.cjs), however jest is started.
require("./scripts/pinnedNode.cjs").requirePinnedNode("jest");

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": "<rootDir>/scripts/jestTransform.cjs" },
  testTimeout: 60000,
  // Not in TMPDIR: scripts/asRoot.mjs gives each run a TMPDIR that must be empty when it ends.
  cacheDirectory: "<rootDir>/node_modules/.cache/jest",
  setupFiles: ["<rootDir>/test/support/jestEnv.ts"],
};
