// The Azure side of the bench: the local Azure stand-in (standin/) with one vault of secrets
// that a service principal and a workload identity (with the Kubernetes API stand-in) may
// read, and the volume directories kubelet would make for each mount.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kubeletOptions, makeVolumeDir } from "../standin/kubeletCall";
import { findMount, unmountUnder } from "../standin/mounts";
import { startAzureStandIn, type AzureStandIn } from "../standin/standIn";
import type { ServicePrincipal } from "../standin/identities";
import { startKubernetesApi, type KubernetesApi } from "../standin/kubernetesApi";
import { setUpWorkloadIdentity, type WorkloadPod } from "../standin/workloadIdentity";
import type { MountIdentity } from "./rows";

const VAULT = "bench-kv";

export interface MountTraffic {
  keyVaultRequests: number;
  aadRequests: number;
  kubernetesRequests: number;
  /** Most Key Vault requests the stand-in had in flight at once. */
  peakConcurrency: number;
}

export class StandInVault {
  private readonly root = mkdtempSync(join(tmpdir(), "kv-bench-"));
  private volumes = 0;

  private constructor(
    private readonly azure: AzureStandIn,
    private readonly sp: ServicePrincipal,
    private readonly kube: KubernetesApi,
    /** kubelet's own kubeconfig form: its rotating client certificate file. */
    private readonly kubeconfig: string,
    private readonly workload: WorkloadPod,
    private readonly names: string[],
  ) {}

  static async start(secrets: number): Promise<StandInVault> {
    const azure = await startAzureStandIn();
    const sp = azure.addServicePrincipal();
    const vault = azure.addVault(VAULT);
    const names = Array.from({ length: secrets }, (_, i) => `bench-secret-${String(i).padStart(3, "0")}`);
    // Not a real secret: a 64-byte stand-in value, about the size of a password or API key.
    for (const name of names) vault.addSecret(name, name.padEnd(64, "."));
    vault.grant(sp.clientId);
    const kube = await startKubernetesApi({ audienceRestriction: true });
    const workload = setUpWorkloadIdentity(azure, kube);
    vault.grant(workload.identity.clientId);
    return new StandInVault(azure, sp, kube, await kube.writeKubeconfig("kubelet"), workload, names);
  }

  /** A node's environment for calls that reach no Azure endpoint (init): the log file, the driver's state dir. */
  plainEnv(): Record<string, string> {
    // KV_SPEED_TRICKS passed on: `KV_SPEED_TRICKS=off npm run bench` is the speed door's A/B.
    const speed: Record<string, string> = process.env.KV_SPEED_TRICKS
      ? { KV_SPEED_TRICKS: process.env.KV_SPEED_TRICKS }
      : {};
    return { KV_DRIVER_LOG: join(this.root, "kv-driver.log"), KV_STATE_DIR: join(this.root, "state"), ...speed };
  }

  /** The driver's environment for mounts: the stand-in's proxy, CA and IMDS address, and the log file. */
  env(): Record<string, string> {
    // SSL_CERT_FILE: a Go driver (--compare) trusts the stand-in's CA through it; Node ignores it.
    return {
      ...this.plainEnv(),
      ...this.azure.env,
      SSL_CERT_FILE: this.azure.env.NODE_EXTRA_CA_CERTS,
      KV_KUBECONFIG: this.kubeconfig,
    };
  }

  /** Every Key Vault, Azure AD and Kubernetes API request waits `ms` before it is answered. */
  setLatency(ms: number): void {
    this.azure.clearFaults();
    this.kube.clearFaults();
    if (ms > 0) this.azure.injectFault({ latencyMs: ms });
    if (ms > 0) this.kube.injectFault({ latencyMs: ms });
  }

  /**
   * A fresh volume dir (0750, as kubelet makes it) and the mount call's arguments for `count`
   * secrets. A workload identity's service account names its client id and tenant (one read).
   */
  newMount(count: number, identity: MountIdentity): { dir: string; args: string[] } {
    const podUid = identity === "workloadIdentity" ? this.workload.pod.uid : undefined;
    const dir = makeVolumeDir(this.root, `volume-${this.volumes++}`, podUid);
    const names = this.names.slice(0, count);
    const objects = {
      keyvaultname: VAULT,
      keyvaultobjectnames: names.join(";"),
      keyvaultobjecttypes: names.map(() => "secret").join(";"),
    };
    const options =
      identity === "workloadIdentity"
        ? this.workload.mountOptions(objects)
        : kubeletOptions({ ...objects, tenantid: this.azure.tenantId }, this.sp);
    this.azure.resetStats();
    this.kube.resetStats();
    return { dir, args: ["mount", dir, JSON.stringify(options)] };
  }

  traffic(): MountTraffic {
    return {
      keyVaultRequests: this.azure.stats("keyvault").requests,
      aadRequests: this.azure.stats("aad").requests,
      kubernetesRequests: this.kube.stats().requests,
      peakConcurrency: this.azure.stats("keyvault").peakInFlight,
    };
  }

  /** Unmounts without the driver (any driver under test may be the one that failed). */
  removeMount(dir: string): void {
    while (findMount(dir)) {
      if (spawnSync("umount", ["-l", dir]).status !== 0) throw new Error(`cannot unmount ${dir}`);
    }
    rmSync(dir, { recursive: true, force: true });
  }

  async close(): Promise<void> {
    await this.kube.close();
    await this.azure.close();
    unmountUnder(this.root); // the driver's private staging root, under KV_STATE_DIR
    rmSync(this.root, { recursive: true, force: true });
  }
}
