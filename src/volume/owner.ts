// Which process owns a lock file or a staging mount: pid and start time. A pid alone would
// outlive a crashed owner once the kernel gives it to another process.
import { readFileSync, readlinkSync } from "node:fs";

export interface Owner {
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot); absent when an older driver named only a pid. */
  started?: string;
}

/** When process `pid` started, if it exists. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name, field 2, may hold spaces and parentheses: count fields after its last ')'.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** This process. */
export const SELF: Owner = { pid: process.pid, started: startTimeOf(process.pid) };

/**
 * This process's pid namespace ("pid:[4026531836]"): a pid means the same process only to
 * processes in the same one. The refresher container has its own; `kv refresh` by hand on
 * the node sees the host's.
 */
export const PID_NAMESPACE: string | undefined = (() => {
  try {
    return readlinkSync("/proc/self/ns/pid");
  } catch {
    return undefined;
  }
})();

export function isAlive({ pid, started }: Owner): boolean {
  if (started !== undefined) return startTimeOf(pid) === started;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
