// The whole workload identity setup, as an operator makes it, on the stand-ins: the cluster's
// OIDC issuer trusted by Azure AD, a managed identity federated with a service account, the
// service account's annotations and a pod on the node; and what kubelet passes for it.
import { kubeletOptions } from "./kubeletCall";
import type { AzureStandIn } from "./standIn";
import type { CloudName } from "./clouds";
import type { FederatedIdentity } from "./federation";
import type { KubernetesApi, Pod } from "./kubernetesApi";

/** The audiences Azure AD accepts a service account token for, per cloud. */
export const EXCHANGE_AUDIENCE: Partial<Record<CloudName, string>> = {
  AzurePublicCloud: "api://AzureADTokenExchange",
  AzureChinaCloud: "api://AzureADTokenExchangeChina",
  AzureUSGovernmentCloud: "api://AzureADTokenExchangeUSGov",
};

export interface WorkloadSetup {
  namespace?: string;
  podName?: string;
  serviceAccount?: string;
  cloud?: CloudName;
  /** Annotate the service account with the identity's client id and tenant (default true). */
  annotate?: boolean;
  /** Register the federated credential at Azure AD (default true). */
  federate?: boolean;
  /**
   * The pod projects the exchange audience (it is labelled azure.workload.identity/use, so the webhook did). Default
   * true.
   */
  projected?: boolean;
  /** Where the pod is scheduled; default the driver's node. */
  nodeName?: string;
}

export interface WorkloadPod {
  pod: Pod;
  identity: FederatedIdentity;
  audience: string;
  /** What kubelet passes to `kv mount` for this pod's flexVolume with these options (useworkloadidentity set). */
  mountOptions(volumeOptions: Record<string, string>): Record<string, string>;
}

let pods = 0;

export function setUpWorkloadIdentity(azure: AzureStandIn, kube: KubernetesApi, o: WorkloadSetup = {}): WorkloadPod {
  const namespace = o.namespace ?? "shop";
  const serviceAccount = o.serviceAccount ?? `cart-${pods}`;
  const audience = EXCHANGE_AUDIENCE[o.cloud ?? "AzurePublicCloud"] ?? "api://AzureADTokenExchange";
  azure.federation.trustIssuer(kube.issuer, kube.signingKey.publicKey);
  const subject = `system:serviceaccount:${namespace}:${serviceAccount}`;
  const identity = azure.federation.addIdentity({
    federatedCredentials: o.federate === false ? [] : [{ issuer: kube.issuer, subject, audiences: [audience] }],
  });
  const annotations: Record<string, string> =
    o.annotate === false
      ? {}
      : {
          "azure.workload.identity/client-id": identity.clientId,
          "azure.workload.identity/tenant-id": identity.tenantId,
        };
  kube.addServiceAccount(namespace, serviceAccount, annotations);
  const pod = kube.addPod({
    namespace,
    name: o.podName ?? `cart-7d9f8b6d5c-${String(pods++).padStart(5, "0")}`,
    serviceAccount,
    ...(o.nodeName ? { nodeName: o.nodeName } : {}),
    projectedAudiences: o.projected === false ? [] : [audience],
  });
  return {
    pod,
    identity,
    audience,
    mountOptions: (volumeOptions) => ({
      ...kubeletOptions({}, undefined, { name: pod.name, namespace }),
      "kubernetes.io/pod.uid": pod.uid,
      "kubernetes.io/serviceAccount.name": serviceAccount,
      useworkloadidentity: "true",
      ...volumeOptions,
    }),
  };
}
