// Plays kubelet for end-to-end tests: makes the pod's volume directory, merges the
// pod's flexVolume options over kubelet's own keys (secretRef values base64), and
// calls the driver the way kubelet does. Cleans up whatever a test leaves mounted.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DriverResult, runDriver } from "./driver";
import { findMount } from "./mounts";

const base64 = (text: string) => Buffer.from(text).toString("base64");

export interface PodVolume {
  /** `<pods>/<uid>/volumes/azure~kv/<name>`, created like kubelet does (0750). */
  dir: string;
  /** The driver's log file for this volume's calls. */
  logFile: string;
}

export interface SecretRef {
  clientId: string;
  clientSecret: string;
}

/** kubelet's own keys plus the pod's options; the pod's options win, as in kubelet. */
export function kubeletOptions(podOptions: Record<string, string>, secretRef?: SecretRef, pod = { name: "web-0", namespace: "default" }): Record<string, string> {
  return {
    "kubernetes.io/fsType": "",
    "kubernetes.io/readwrite": "rw",
    "kubernetes.io/pod.name": pod.name,
    "kubernetes.io/pod.namespace": pod.namespace,
    "kubernetes.io/pod.uid": "5f1c2a9e-0d3b-4c6e-8a7f-1b2c3d4e5f60",
    "kubernetes.io/pvOrVolumeName": "secrets",
    "kubernetes.io/serviceAccount.name": "default",
    ...(secretRef ? { "kubernetes.io/secret/clientid": base64(secretRef.clientId), "kubernetes.io/secret/clientsecret": base64(secretRef.clientSecret) } : {}),
    ...podOptions,
  };
}

export class Kubelet {
  private readonly root = mkdtempSync(join(tmpdir(), "kv-kubelet-"));
  private readonly volumes: string[] = [];

  constructor(private readonly azureEnv: Record<string, string>) {}

  newVolume(name = "secrets"): PodVolume {
    const dir = join(this.root, "pods", `pod-${this.volumes.length}`, "volumes", "azure~kv", name);
    mkdirSync(dir, { recursive: true, mode: 0o750 });
    this.volumes.push(dir);
    return { dir, logFile: join(this.root, `kv-driver-${this.volumes.length}.log`) };
  }

  call(args: string[], volume?: PodVolume, extraEnv: Record<string, string> = {}): Promise<DriverResult> {
    const logFile = volume?.logFile ?? join(this.root, "kv-driver.log");
    return runDriver(args, { ...this.azureEnv, KV_DRIVER_LOG: logFile, ...extraEnv });
  }

  mount(volume: PodVolume, options: Record<string, string> | string, extraEnv?: Record<string, string>): Promise<DriverResult> {
    const json = typeof options === "string" ? options : JSON.stringify(options);
    return this.call(["mount", volume.dir, json], volume, extraEnv);
  }

  unmount(volume: PodVolume): Promise<DriverResult> {
    return this.call(["unmount", volume.dir], volume);
  }

  log(volume: PodVolume): string {
    try {
      return readFileSync(volume.logFile, "utf8");
    } catch {
      return "";
    }
  }

  /** Unmounts everything the tests left behind (all stacked layers) and removes the tree. */
  cleanUp(): void {
    for (const dir of this.volumes) {
      while (findMount(dir)) {
        if (spawnSync("umount", ["-l", dir]).status !== 0) break;
      }
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}
