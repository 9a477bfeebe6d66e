// Plays kubelet for end-to-end tests: makes the pod's volume directory and calls the
// driver the way kubelet does, with the options standin/kubeletCall.ts merges. Cleans up
// whatever a test leaves mounted.
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeVolumeDir } from "../../standin/kubeletCall";
import { unmountUnder } from "../../standin/mounts";
import { DriverResult, runDriver, type RunOptions } from "./driver";

export interface PodVolume {
  /** `<kubelet root>/pods/<uid>/volumes/azure~kv/<name>`, created like kubelet does (0750). */
  dir: string;
  podUid: string;
  /** The driver's log file for this volume's calls. */
  logFile: string;
}

export class Kubelet {
  /** kubelet's --root-dir: `pods/` below it. */
  readonly root = mkdtempSync(join(tmpdir(), "kv-kubelet-"));
  /** The driver's KV_STATE_DIR, inside the root: a test making the root shared makes it shared too. */
  readonly stateDir = join(this.root, "state");
  /** Where the driver builds volumes before it moves them onto <dir>. */
  readonly stagingRoot = join(this.stateDir, "staging");
  private volumes = 0;

  constructor(private readonly azureEnv: Record<string, string>) {}

  newVolume(name = "secrets", podUid: string = randomUUID()): PodVolume {
    this.volumes++;
    return {
      dir: makeVolumeDir(this.root, name, podUid),
      podUid,
      logFile: join(this.root, `kv-driver-${this.volumes}.log`),
    };
  }

  /** The driver's environment: Azure's stand-ins, the volume's log, this kubelet's state dir. */
  env(volume?: PodVolume, extraEnv: Record<string, string> = {}): Record<string, string> {
    const logFile = volume?.logFile ?? join(this.root, "kv-driver.log");
    return { ...this.azureEnv, KV_DRIVER_LOG: logFile, KV_STATE_DIR: this.stateDir, ...extraEnv };
  }

  call(
    args: string[],
    volume?: PodVolume,
    extraEnv: Record<string, string> = {},
    run: RunOptions = {},
  ): Promise<DriverResult> {
    return runDriver(args, this.env(volume, extraEnv), run);
  }

  mount(
    volume: PodVolume,
    options: Record<string, string> | string,
    extraEnv?: Record<string, string>,
    run?: RunOptions,
  ): Promise<DriverResult> {
    const json = typeof options === "string" ? options : JSON.stringify(options);
    return this.call(["mount", volume.dir, json], volume, extraEnv, run);
  }

  unmount(volume: PodVolume, extraEnv?: Record<string, string>): Promise<DriverResult> {
    return this.call(["unmount", volume.dir], volume, extraEnv);
  }

  log(volume: PodVolume): string {
    try {
      return readFileSync(volume.logFile, "utf8");
    } catch {
      return "";
    }
  }

  /** The log's lines, parsed. */
  logEvents(volume: PodVolume): Array<Record<string, unknown>> {
    return this.log(volume)
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** Makes the root a shared mount of its own, as kubelet's pods dir usually is (and systemd's /run). */
  makeRootShared(): void {
    for (const args of [
      ["--bind", this.root, this.root],
      ["--make-shared", this.root],
    ]) {
      const made = spawnSync("mount", args, { encoding: "utf8" });
      if (made.status !== 0) throw new Error(`mount ${args.join(" ")}: ${made.stderr}`);
    }
  }

  /**
   * Unmounts everything the tests left behind (stacked layers, the staging root, a shared root) and removes the tree.
   */
  cleanUp(): void {
    unmountUnder(this.root);
    rmSync(this.root, { recursive: true, force: true });
  }
}
