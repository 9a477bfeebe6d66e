// What a user namespace (`unshare -rm`, a non-root `npm test`) cannot do: own files by a group
// that is not mapped into it (chown fails with EINVAL). Tests that need one skip, saying so.
import { readFileSync } from "node:fs";

/** Whether `gid` is mapped in this process's user namespace (always, outside one). */
export function gidMapped(gid: number): boolean {
  const lines = readFileSync("/proc/self/gid_map", "utf8").trim().split("\n");
  return lines.some((line) => {
    const [inside, , count] = line.trim().split(/\s+/).map(Number);
    return gid >= inside && gid < inside + count;
  });
}

type Block = (title: string, body: () => void | Promise<unknown>) => void;

/** `block` (describe or test), or its `.skip` with the reason in its name when `gid` is not mapped here. */
function withGid(gid: number, block: typeof describe | typeof test): Block {
  if (gidMapped(gid)) return block as Block;
  const skip = block.skip as Block;
  const why = `group ${gid} is not mapped in this user namespace; run as root, or see README "Not root?"`;
  return (title, body) => skip(`${title} [skipped: ${why}]`, body);
}

export const describeWithGid = (gid: number): Block => withGid(gid, describe);
export const testWithGid = (gid: number): Block => withGid(gid, test);
