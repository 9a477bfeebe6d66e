// Picks the token source a mount asked for: service principal, pod identity (NMI), the
// node's managed identity (IMDS) or workload identity (the pod's service account token).
import type { TokenCredential } from "@azure/core-auth";
import type { HttpClient } from "@azure/core-rest-pipeline";
import { ClientSecretCredential, ManagedIdentityCredential } from "@azure/identity";
import type { CloudEnvironment } from "../clouds";
import { IdentityError } from "../errors";
import type { Identity } from "../model/identity";
import { NmiCredential } from "./nmiCredential";
import { RETRY_OPTIONS } from "./retry";
import { explainingConnectionProblems, explainingTokenFailures, watchConnectionProblems } from "./tokenFailures";
import { WorkloadIdentityCredential } from "./workloadIdentity";

export interface VaultIdentity {
  credential: TokenCredential;
  /** Who asks Key Vault, in words an operator can act on (for permission hints). */
  describe(): string;
  /** The client id to grant permissions to, once known. */
  clientId(): string | undefined;
}

/**
 * `tenantId` is absent only for workload identity, whose service account may name it.
 * `httpClient`: the mount's, which routes every request (http/routedHttpClient.ts).
 * `deadline`: the session's; a workload identity's Kubernetes API calls are abandoned then.
 */
export function createIdentity(
  identity: Identity,
  tenantId: string | undefined,
  cloud: CloudEnvironment,
  httpClient: HttpClient,
  deadline?: AbortSignal,
): VaultIdentity {
  const common = { retryOptions: RETRY_OPTIONS, httpClient };
  const aadOptions = {
    authorityHost: cloud.activeDirectoryEndpoint,
    // A custom cloud's authority is unknown to the public cloud's instance discovery.
    disableInstanceDiscovery: cloud.name === "AzureStackCloud",
    ...common,
  };
  switch (identity.kind) {
    case "servicePrincipal": {
      // Never so from the parser (it requires tenantid for all but workload identity), nor from
      // `kv check --client-id`, which skips such volumes: this only narrows the type.
      if (!tenantId)
        throw new IdentityError("a service principal needs the volume's tenantid; add it to the volume's options");
      const watched = watchConnectionProblems(httpClient);
      const secretCredential = new ClientSecretCredential(tenantId, identity.clientId, identity.clientSecret, {
        ...aadOptions,
        httpClient: watched.client,
      });
      const credential = explainingTokenFailures(
        secretCredential,
        { tenantId, authorityHost: cloud.activeDirectoryEndpoint },
        watched,
      );
      return {
        credential,
        describe: () => `service principal ${identity.clientId}`,
        clientId: () => identity.clientId,
      };
    }
    case "podIdentity": {
      const credential = new NmiCredential({
        port: identity.nmiPort,
        podName: identity.podName,
        podNamespace: identity.podNamespace,
      });
      return {
        credential,
        describe: () =>
          `pod identity of ${identity.podNamespace}` +
          `/${identity.podName}${credential.clientId ? ` (client ${credential.clientId})` : ""}`,
        clientId: () => credential.clientId,
      };
    }
    case "managedIdentity": {
      // MSAL drops the cause of a request that got no answer (a proxy's refusal among them): the client keeps it.
      const watched = watchConnectionProblems(httpClient);
      const options = { ...common, httpClient: watched.client };
      const credential = explainingConnectionProblems(
        new ManagedIdentityCredential(identity.clientId ? { clientId: identity.clientId, ...options } : options),
        watched,
      );
      return {
        credential,
        describe: () =>
          identity.clientId
            ? `the node's user-assigned identity ${identity.clientId}`
            : "the node's system-assigned managed identity",
        clientId: () => identity.clientId,
      };
    }
    case "workloadIdentity": {
      // As a service principal's: the words for an Azure AD request that got no answer are kept.
      const watched = watchConnectionProblems(httpClient);
      const credential = new WorkloadIdentityCredential(
        identity,
        tenantId,
        cloud,
        { ...aadOptions, httpClient: watched.client },
        { watched, deadline },
      );
      return { credential, describe: () => credential.describe(), clientId: () => credential.clientId };
    }
  }
}
