// Plays kubelet for end-to-end tests: makes the pod's volume directory, merges the
// pod's flexVolume options over kubelet's own keys (secretRef values base64), and
// calls the driver the way kubelet does. Cleans up whatever a test leaves mounted.
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DriverResult, runDriver, type RunOptions } from "./driver";
import { unmountUnder } from "./mounts";

const base64 = (text: string) => Buffer.from(text).toString("base64");

/** The pod uid kubeletOptions passes unless told another. */
export const POD_UID = "5f1c2a9e-0d3b-4c6e-8a7f-1b2c3d4e5f60";

/**
 * Makes `<kubeletRoot>/pods/<podUid>/volumes/azure~kv/<name>` as kubelet does (0750) and returns
 * it: the only shape of <dir> the driver accepts. Every test, the demo, the bench and the
 * build's training mount take their volume directories from here.
 */
export function makeVolumeDir(kubeletRoot: string, name = "secrets", podUid: string = randomUUID()): string {
  const dir = join(kubeletRoot, "pods", podUid, "volumes", "azure~kv", name);
  mkdirSync(dir, { recursive: true, mode: 0o750 });
  return dir;
}

export interface PodVolume {
  /** `<kubelet root>/pods/<uid>/volumes/azure~kv/<name>`, created like kubelet does (0750). */
  dir: string;
  podUid: string;
  /** The driver's log file for this volume's calls. */
  logFile: string;
}

export interface SecretRef {
  clientId: string;
  clientSecret: string;
}

/** kubelet's own keys plus the pod's options; the pod's options win, as in kubelet. */
export function kubeletOptions(podOptions: Record<string, string>, secretRef?: SecretRef, pod: { name: string; namespace: string; uid?: string } = { name: "web-0", namespace: "default" }): Record<string, string> {
  return {
    "kubernetes.io/fsType": "",
    "kubernetes.io/readwrite": "rw",
    "kubernetes.io/pod.name": pod.name,
    "kubernetes.io/pod.namespace": pod.namespace,
    "kubernetes.io/pod.uid": pod.uid ?? POD_UID,
    "kubernetes.io/pvOrVolumeName": "secrets",
    "kubernetes.io/serviceAccount.name": "default",
    ...(secretRef ? { "kubernetes.io/secret/clientid": base64(secretRef.clientId), "kubernetes.io/secret/clientsecret": base64(secretRef.clientSecret) } : {}),
    ...podOptions,
  };
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
    return { dir: makeVolumeDir(this.root, name, podUid), podUid, logFile: join(this.root, `kv-driver-${this.volumes}.log`) };
  }

  /** The driver's environment: Azure's stand-ins, the volume's log, this kubelet's state dir. */
  env(volume?: PodVolume, extraEnv: Record<string, string> = {}): Record<string, string> {
    const logFile = volume?.logFile ?? join(this.root, "kv-driver.log");
    return { ...this.azureEnv, KV_DRIVER_LOG: logFile, KV_STATE_DIR: this.stateDir, ...extraEnv };
  }

  call(args: string[], volume?: PodVolume, extraEnv: Record<string, string> = {}, run: RunOptions = {}): Promise<DriverResult> {
    return runDriver(args, this.env(volume, extraEnv), run);
  }

  mount(volume: PodVolume, options: Record<string, string> | string, extraEnv?: Record<string, string>, run?: RunOptions): Promise<DriverResult> {
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
    for (const args of [["--bind", this.root, this.root], ["--make-shared", this.root]]) {
      const made = spawnSync("mount", args, { encoding: "utf8" });
      if (made.status !== 0) throw new Error(`mount ${args.join(" ")}: ${made.stderr}`);
    }
  }

  /** Unmounts everything the tests left behind (stacked layers, the staging root, a shared root) and removes the tree. */
  cleanUp(): void {
    unmountUnder(this.root);
    rmSync(this.root, { recursive: true, force: true });
  }
}
