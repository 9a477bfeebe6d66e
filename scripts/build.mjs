// npm run build: the CLI bundle (`node dist/kv.js <call>`) and, from it, the driver
// executable the installer image ships to nodes (dist/azure~kv/kv, kubelet's
// `<plugin dir>/azure~kv/kv`). About 5 s, nearly all of it postject.
import { bundle } from "./bundle.mjs";
import { buildExecutable } from "./buildExecutable.mjs";

await bundle("src/cli.ts", "dist/kv.js");
buildExecutable("dist/kv.js", "dist/azure~kv/kv");
