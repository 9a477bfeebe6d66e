// The way into one vault for a whole mount (or for `kv check` of one volume): one connection
// pool, one identity and one shared token for every request.
import { createDefaultHttpClient } from "@azure/core-rest-pipeline";
import { vaultUrl, type CloudEnvironment } from "../clouds";
import { skipIPv6RegexForHostNames } from "../http/fastIsIP";
import { keepUndiciUnloaded } from "../http/keepUndiciUnloaded";
import { pooledHttpClient } from "../http/pooledHttpClient";
import { createIdentity } from "../identity/credential";
import { shareToken } from "../identity/sharedToken";
import type { KeyVault } from "../model/keyVault";
import type { VolumeOptions } from "../model/volumeOptions";
import type { FailureContext } from "./failures";
import { createKeyVault } from "./sdkKeyVault";

export interface VaultSession {
  vault: KeyVault;
  /**
   * Who is asking, for the fixes failure messages suggest, as it stands now: an NMI token
   * names its client id only once it came, and the token may still be awaited.
   */
  failureContext(): FailureContext;
}

/**
 * `connectionsAhead`: how many connections to the vault the caller will use at once (a
 * mount's fetch pool); they are opened while the token is requested.
 */
export function openVault(
  options: Pick<VolumeOptions, "vaultName" | "tenantId" | "identity">,
  cloud: CloudEnvironment,
  connectionsAhead?: number,
): VaultSession {
  keepUndiciUnloaded();
  skipIPv6RegexForHostNames();
  const httpClient = pooledHttpClient(createDefaultHttpClient());
  const identity = createIdentity(options.identity, options.tenantId, cloud, httpClient);
  const token = shareToken(identity.credential);
  const vault = createKeyVault(vaultUrl(options, cloud), token, {
    httpClient,
    connectionsAhead,
    disableChallengeResourceVerification: cloud.name === "AzureStackCloud",
    tokenUpFront: { resource: cloud.keyVaultResource, tenantId: options.tenantId },
  });
  const failureContext = (): FailureContext => ({
    vaultName: options.vaultName,
    principal: identity.describe(),
    clientId: identity.clientId(),
    awaitingToken: token.awaitingToken(),
  });
  return { vault, failureContext };
}
