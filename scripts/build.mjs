// npm run build: the CLI bundle (`node dist/kv.js <call>`) and, from it, the driver
// executable the installer image ships to nodes (dist/azure~kv/kv, kubelet's
// `<plugin dir>/azure~kv/kv`). About 5 s: the training mount and writing the executable.
import { bundle } from "./bundle.mjs";
import { buildExecutable } from "./buildExecutable.mjs";
import { requirePinnedNode } from "./pinnedNode.cjs";

requirePinnedNode("npm run build");
await bundle("src/cli.ts", "dist/kv.js");
buildExecutable("dist/kv.js", "dist/azure~kv/kv");
