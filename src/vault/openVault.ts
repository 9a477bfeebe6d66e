// The way into one vault for a whole mount (or for `kv check` of one volume): one HTTP
// client (the node's proxy rules, the speed door's connections), one identity and one
// shared token for every request. The one place that opens the speed door (src/speed).
import { vaultUrl, type CloudEnvironment } from "../clouds";
import { networkEnvironment } from "../http/networkEnvironment";
import { routedHttpClient } from "../http/routedHttpClient";
import { createIdentity } from "../identity/credential";
import { shareToken } from "../identity/sharedToken";
import type { KeyVault } from "../model/keyVault";
import type { VolumeOptions } from "../model/volumeOptions";
import { speedTricks } from "../speed";
import type { FailureContext } from "./failures";
import { createKeyVault } from "./sdkKeyVault";

export interface VaultSession {
  vault: KeyVault;
  /**
   * Who is asking, for the fixes failure messages suggest, as it stands now: an NMI token
   * names its client id only once it came, and the token may still be awaited.
   */
  failureContext: () => FailureContext;
  /** Closes every connection of the session (the long-running refresher's, after each group). */
  close(): void;
}

export interface SessionOptions {
  /**
   * How many connections to the vault the caller will use at once (a mount's fetch pool);
   * they are opened while the token is requested. Default none.
   */
  connectionsAhead?: number;
  /** When the session's work must be over: requests that do not honour a request's own signal stop then. */
  deadline?: AbortSignal;
}

export function openVault(
  options: Pick<VolumeOptions, "vaultName" | "tenantId" | "identity">,
  cloud: CloudEnvironment,
  { connectionsAhead = 0, deadline }: SessionOptions = {},
): VaultSession {
  const speed = speedTricks();
  speed.patchProcess();
  const httpClient = routedHttpClient(networkEnvironment().proxies, speed.httpsAgents);
  const identity = createIdentity(options.identity, options.tenantId, cloud, httpClient, deadline);
  const token = shareToken(identity.credential);
  const url = vaultUrl(options, cloud);
  const vault = createKeyVault(url, token, {
    httpClient,
    disableChallengeResourceVerification: cloud.name === "AzureStackCloud",
    policies: speed.vaultPolicies({
      vaultUrl: url,
      credential: token,
      resource: cloud.keyVaultResource,
      tenantId: options.tenantId,
      connections: connectionsAhead,
      agentFor: httpClient.httpsAgentFor,
    }),
  });
  const failureContext = (): FailureContext => ({
    vaultName: options.vaultName,
    principal: identity.describe(),
    clientId: identity.clientId(),
    awaitingToken: token.awaitingToken(),
  });
  return { vault, failureContext, close: () => httpClient.close() };
}
