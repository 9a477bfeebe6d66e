// The common setup of an end-to-end test file: one Azure stand-in, a kubelet that
// calls the driver against it, a service principal and a vault it may read.
import type { ServicePrincipal } from "../../standin/identities";
import { startAzureStandIn, type AzureStandIn, type StandInOptions } from "../../standin/standIn";
import type { Vault } from "../../standin/vault";
import { Kubelet } from "./kubelet";

export interface StandInSuite {
  azure: AzureStandIn;
  kubelet: Kubelet;
  sp: ServicePrincipal;
  /** `contoso-kv` in the public cloud; `sp` may get everything in it. */
  vault: Vault;
}

/** Registers beforeAll/afterAll hooks; the fields are set once beforeAll has run. */
export function standInSuite(options: StandInOptions = {}): StandInSuite {
  const suite = {} as StandInSuite;
  beforeAll(async () => {
    suite.azure = await startAzureStandIn(options);
    suite.kubelet = new Kubelet(suite.azure.env);
    suite.sp = suite.azure.addServicePrincipal();
    suite.vault = suite.azure.addVault("contoso-kv");
    suite.vault.grant(suite.sp.clientId);
  });
  afterAll(async () => {
    suite.kubelet?.cleanUp();
    await suite.azure?.close();
  });
  return suite;
}
