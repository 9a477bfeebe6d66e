// The way into one vault for a whole mount (or for `kv check` of one volume): one connection
// pool, one identity and one shared token for every request.
import { createDefaultHttpClient } from "@azure/core-rest-pipeline";
import { vaultUrl, type CloudEnvironment } from "../clouds";
import { keepAliveThroughProxy } from "../http/keepAliveThroughProxy";
import { keepUndiciUnloaded } from "../http/keepUndiciUnloaded";
import { createIdentity } from "../identity/credential";
import { shareToken } from "../identity/sharedToken";
import type { VolumeOptions } from "../options/volumeOptions";
import type { FailureContext } from "./failures";
import type { KeyVault } from "./keyVault";
import { createKeyVault } from "./sdkKeyVault";

export interface VaultSession {
  vault: KeyVault;
  /** Who is asking, for the fixes failure messages suggest. */
  context: FailureContext;
}

export function openVault(options: Pick<VolumeOptions, "vaultName" | "tenantId" | "identity">, cloud: CloudEnvironment): VaultSession {
  keepUndiciUnloaded();
  const httpClient = keepAliveThroughProxy(createDefaultHttpClient());
  const identity = createIdentity(options.identity, options.tenantId, cloud, httpClient);
  const vault = createKeyVault(vaultUrl(options, cloud), shareToken(identity.credential), {
    httpClient,
    disableChallengeResourceVerification: cloud.name === "AzureStackCloud",
    tokenUpFront: { resource: cloud.keyVaultResource, tenantId: options.tenantId },
  });
  const context: FailureContext = {
    vaultName: options.vaultName,
    get principal() {
      return identity.describe();
    },
    get clientId() {
      return identity.clientId();
    },
  };
  return { vault, context };
}
