// The driver's version: package.json's, written into the bundle as it is built
// (scripts/bundle.mjs, esbuild's `define`), because the executable on a node has no
// package.json to read.
declare const KV_DRIVER_VERSION: string;

export const DRIVER_VERSION: string = KV_DRIVER_VERSION;
