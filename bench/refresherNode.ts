// The node the refresher rows run on: the test stand-in of Azure with one vault of SHARED
// secrets and one service principal, and VOLUMES rotating volumes of PER_VOLUME objects each,
// mounted by the driver as kubelet would and recorded in a state dir of their own. Every
// volume reads PER_VOLUME of the SHARED secrets, so a pass needs exactly SHARED reads.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kubeletOptions } from "../standin/kubeletCall";
import { unmountUnder } from "../standin/mounts";
import { startAzureStandIn, type AzureStandIn } from "../standin/standIn";
import type { Vault } from "../standin/vault";
import { driverCommand, timedRun } from "./timedRun";

export const VOLUMES = 100;
export const PER_VOLUME = 10;
export const SHARED = 20;
const VAULT = "bench-kv";

export interface PassTraffic {
  keyVaultRequests: number;
  aadRequests: number;
}

export class RefresherNode {
  private readonly root = mkdtempSync(join(tmpdir(), "kv-bench-refresher-"));
  readonly dirs: string[] = [];
  private generation = 0;

  private constructor(
    private readonly azure: AzureStandIn,
    private readonly vault: Vault,
    private readonly names: string[],
  ) {}

  /** Starts the stand-in and mounts every volume with `driver`, interval 1 h (the rows force their passes). */
  static async start(driver: string): Promise<RefresherNode> {
    const azure = await startAzureStandIn();
    const sp = azure.addServicePrincipal();
    const vault = azure.addVault(VAULT);
    vault.grant(sp.clientId);
    const names = Array.from({ length: SHARED }, (_, i) => `shared-secret-${String(i).padStart(2, "0")}`);
    const node = new RefresherNode(azure, vault, names);
    node.newVersions();
    for (let i = 0; i < VOLUMES; i++) {
      const dir = join(node.root, "pods", `pod-${String(i).padStart(3, "0")}`, "volumes", "azure~kv", "secrets");
      mkdirSync(dir, { recursive: true, mode: 0o750 });
      const mine = Array.from({ length: PER_VOLUME }, (_, j) => names[(i + j) % SHARED]);
      const options = kubeletOptions(
        {
          keyvaultname: VAULT,
          keyvaultobjectnames: mine.join(";"),
          keyvaultobjecttypes: mine.map(() => "secret").join(";"),
          tenantid: azure.tenantId,
          rotationpollinterval: "1h",
        },
        sp,
      );
      const result = await timedRun(driverCommand(driver, ["mount", dir, JSON.stringify(options)], node.env()));
      if (!result.output.includes('"Success"'))
        throw new Error(`mount of bench volume ${i} failed: ${result.output.slice(0, 400)}`);
      node.dirs.push(dir);
    }
    return node;
  }

  /** The refresher's environment: the stand-in's variables, the state dir, a log file nobody reads. */
  env(): Record<string, string> {
    return {
      ...this.azure.env,
      KV_STATE_DIR: join(this.root, "state"),
      KV_DRIVER_LOG: join(this.root, "kv-driver.log"),
    };
  }

  /** A new version of every shared secret: the next pass changes every volume. */
  newVersions(): void {
    this.generation++;
    // Not real secrets: 64-byte stand-in values, about the size of a password or API key.
    for (const name of this.names) this.vault.addSecret(name, `${name} ${this.generation}`.padEnd(64, "."));
  }

  setLatency(ms: number): void {
    this.azure.clearFaults();
    if (ms > 0) this.azure.injectFault({ latencyMs: ms });
  }

  resetTraffic(): void {
    this.azure.resetStats();
  }

  traffic(): PassTraffic {
    return { keyVaultRequests: this.azure.stats("keyvault").requests, aadRequests: this.azure.stats("aad").requests };
  }

  async close(): Promise<void> {
    await this.azure.close();
    unmountUnder(this.root); // the volumes, and the driver's private staging root under KV_STATE_DIR
    rmSync(this.root, { recursive: true, force: true });
  }
}
