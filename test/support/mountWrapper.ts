// A mount(8) earlier in the driver's PATH (kubelet's PATH is the node's environment, so this
// is a fault a node can have): it runs the real mount(8), except at one step of a mount,
// where it fails after mounting, hangs after mounting, or holds until the test lets it go.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** `staging`: the tmpfs mounted in the staging root; `move`: the move onto <dir>. */
export type MountStep = "staging" | "move";
export type MountFault =
  /** Mounts, then exits 32 as if it had failed. */
  | "fails-after-mounting"
  /** Mounts, then never answers. */
  | "hangs-after-mounting"
  /** Waits for release(), then mounts. */
  | "holds-before"
  /** Mounts, then waits for release(). */
  | "holds-after";

function realMount(): string {
  const found = ["/usr/bin/mount", "/bin/mount", "/usr/sbin/mount", "/sbin/mount"].find((path) => existsSync(path));
  if (!found) throw new Error("no mount(8) found");
  return found;
}

export class MountWrapper {
  private readonly dir = mkdtempSync(join(tmpdir(), "kv-mount-wrapper-"));
  private released = false;

  constructor(step: MountStep, fault: MountFault) {
    const real = realMount();
    const [before, after] = {
      "fails-after-mounting": ["", 'echo "mount: failed after mounting (a test fault)" >&2; exit 32'],
      "hangs-after-mounting": ["", "exec sleep 600"],
      "holds-before": ["hold", ""],
      "holds-after": ["", "hold"],
    }[fault];
    const script = [
      "#!/bin/sh",
      `hold() { echo "$$ $*" > "${this.dir}/held.tmp"; mv "${this.dir}/held.tmp" "${this.dir}/held"; while ` +
        `[ ! -e "${this.dir}/go" ]; do sleep 0.05; done; }`,
      `case " $* " in *" --move "*) step=move ;; *" -t tmpfs "*) step=staging ;; *) step=other ;; esac`,
      `[ "$step" = "${step}" ] || exec ${real} "$@"`,
      before ? `${before} "$@"` : "",
      after ? `${real} "$@" || exit $?` : `exec ${real} "$@"`,
      after === "hold" ? 'hold "$@"' : after,
    ].join("\n");
    writeFileSync(join(this.dir, "mount"), script + "\n");
    chmodSync(join(this.dir, "mount"), 0o755);
  }

  /** The driver's PATH with this mount(8) first. */
  get env(): { PATH: string } {
    return { PATH: `${this.dir}:${process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin"}` };
  }

  /** Waits until the wrapper holds; its pid and its arguments (the last is the mount point). */
  async held(): Promise<{ pid: number; args: string[] }> {
    const file = join(this.dir, "held");
    for (let waited = 0; !existsSync(file); waited += 20) {
      if (waited > 30_000) throw new Error("mount(8) was never called at the held step");
      await new Promise((wake) => setTimeout(wake, 20));
    }
    const [pid, ...args] = readFileSync(file, "utf8").trim().split(" ");
    return { pid: Number(pid), args };
  }

  release(): void {
    this.released = true;
    writeFileSync(join(this.dir, "go"), "");
  }

  /** Ends a wrapper still holding (its driver killed), and removes it. */
  async close(): Promise<void> {
    const file = join(this.dir, "held");
    // Never a released one: it went on, and its pid may be another process's by now.
    if (existsSync(file) && !this.released) {
      try {
        process.kill(Number(readFileSync(file, "utf8").split(" ")[0]), "SIGKILL");
      } catch {
        // gone already
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
