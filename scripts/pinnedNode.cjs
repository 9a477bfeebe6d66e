"use strict";
// The Node.js this project builds, tests and ships: the binary of the npm package
// node-linux-<cpu>, pinned exactly in package.json's optionalDependencies (npm installs the
// one matching the machine's cpu, the lockfile pins the checksums of both). `npm run` and
// `npx` put node_modules/.bin first on PATH, so their `node` is that binary; the machine's
// own node only runs npm. The build, jest, the demo and the bench check it here, so a run
// on any other node stops at once instead of building or testing something nodes don't run.
const { realpathSync } = require("node:fs");
const { dirname, join } = require("node:path");

const PACKAGE = `node-linux-${process.arch}`;
const VERSION = require("../package.json").optionalDependencies[PACKAGE];

/** The pinned node binary's path, or undefined on a machine no package is pinned for. */
function pinnedNodePath() {
  try {
    return join(dirname(require.resolve(`${PACKAGE}/package.json`)), "bin", "node");
  } catch {
    return undefined;
  }
}

/** Stops the process unless it runs on the pinned node binary. */
function requirePinnedNode(what) {
  const pinned = pinnedNodePath();
  if (pinned && realpathSync(process.execPath) === realpathSync(pinned)) return;
  const wanted = VERSION
    ? `Node.js v${VERSION} from the npm package ${PACKAGE}`
    : `a pinned Node.js, and none is pinned for ${process.platform}-${process.arch} (package.json's ` +
      `optionalDependencies)`;
  process.stderr.write(
    `${what} runs on ${wanted}, not on ${process.execPath} (${process.version}).\n` +
      (pinned || !VERSION ? "" : `It is not installed: run npm ci on Linux x64 or arm64.\n`) +
      "Start it through npm (npm run ..., npm test, npx jest), which puts node_modules/.bin/node first on PATH.\n",
  );
  process.exit(1);
}

module.exports = { PINNED_NODE_PACKAGE: PACKAGE, PINNED_NODE_VERSION: VERSION, pinnedNodePath, requirePinnedNode };
