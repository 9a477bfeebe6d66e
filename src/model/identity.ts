// Which identity fetches the objects: a service principal (secretRef), pod identity (NMI),
// the node's managed identity (IMDS) or workload identity (the pod's service account token).

export type Identity =
  | { kind: "servicePrincipal"; clientId: string; clientSecret: string }
  | { kind: "podIdentity"; nmiPort: number; podName: string; podNamespace: string }
  | { kind: "managedIdentity"; clientId?: string }
  | WorkloadIdentity;

/** The pod whose service account token workload identity exchanges at Azure AD. */
export interface PodRef {
  name: string;
  namespace: string;
  uid: string;
  serviceAccount: string;
}

/** `useworkloadidentity`: the ids absent here come from the service account's annotations at mount time. */
export interface WorkloadIdentity {
  kind: "workloadIdentity";
  pod: PodRef;
  /** The `clientid` option. */
  clientId?: string;
}

/** The service account annotations workload identity reads (the workload identity webhook's). */
export const CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id";
export const TENANT_ID_ANNOTATION = "azure.workload.identity/tenant-id";
