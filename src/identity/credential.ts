// Picks the token source a mount asked for: service principal, pod identity (NMI) or
// the node's managed identity (IMDS).
import type { TokenCredential } from "@azure/core-auth";
import type { HttpClient } from "@azure/core-rest-pipeline";
import { ClientSecretCredential, ManagedIdentityCredential } from "@azure/identity";
import type { CloudEnvironment } from "../clouds";
import type { Identity } from "../model/identity";
import { NmiCredential } from "./nmiCredential";
import { RETRY_OPTIONS } from "./retry";
import { explainingTokenFailures } from "./tokenFailures";

export interface VaultIdentity {
  credential: TokenCredential;
  /** Who asks Key Vault, in words an operator can act on (for permission hints). */
  describe(): string;
  /** The client id to grant permissions to, once known. */
  clientId(): string | undefined;
}

export function createIdentity(identity: Identity, tenantId: string, cloud: CloudEnvironment, httpClient?: HttpClient): VaultIdentity {
  const common = { retryOptions: RETRY_OPTIONS, httpClient };
  switch (identity.kind) {
    case "servicePrincipal": {
      const secretCredential = new ClientSecretCredential(tenantId, identity.clientId, identity.clientSecret, {
        authorityHost: cloud.activeDirectoryEndpoint,
        // A custom cloud's authority is unknown to the public cloud's instance discovery.
        disableInstanceDiscovery: cloud.name === "AzureStackCloud",
        ...common,
      });
      const credential = explainingTokenFailures(secretCredential, { tenantId, authorityHost: cloud.activeDirectoryEndpoint });
      return { credential, describe: () => `service principal ${identity.clientId}`, clientId: () => identity.clientId };
    }
    case "podIdentity": {
      const credential = new NmiCredential({ port: identity.nmiPort, podName: identity.podName, podNamespace: identity.podNamespace });
      return {
        credential,
        describe: () => `pod identity of ${identity.podNamespace}/${identity.podName}${credential.clientId ? ` (client ${credential.clientId})` : ""}`,
        clientId: () => credential.clientId,
      };
    }
    case "managedIdentity": {
      const credential = new ManagedIdentityCredential(identity.clientId ? { clientId: identity.clientId, ...common } : common);
      return {
        credential,
        describe: () => (identity.clientId ? `the node's user-assigned identity ${identity.clientId}` : "the node's system-assigned managed identity"),
        clientId: () => identity.clientId,
      };
    }
  }
}
