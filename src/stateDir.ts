// The driver's own directory on the node (CONTRACT.md, KV_STATE_DIR): by default under /run,
// a tmpfs, so whatever is there is gone at reboot with the mounts it describes.
import { resolve } from "node:path";

export const DEFAULT_STATE_DIR = "/run/kv-flexvol";

export function stateDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.KV_STATE_DIR || DEFAULT_STATE_DIR);
}
