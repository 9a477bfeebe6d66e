// `kv check` of a workload identity volume: the client id and tenant it signs in as, from its
// options or, as the driver reads them at mount time, from its service account's annotations,
// when the manifest holds that ServiceAccount. Pure.
import { isJsonObject } from "../text/json";
import type { WorkloadIdentity } from "../model/identity";
import type { VolumeOptions } from "../model/volumeOptions";
import { needsServiceAccount, workloadIds } from "../kubernetes/serviceAccountIds";
import type { ManifestObject } from "./manifest";
import type { KvVolume } from "./workloads";

export interface ServiceAccountManifest {
  name: string;
  namespace?: string;
  annotations: Record<string, unknown>;
}

/** What a check found out about a workload identity volume. */
export interface WorkloadIdentityCheck {
  /** `<namespace>/<name>` of the pod's service account. */
  serviceAccount: string;
  clientId?: string;
  tenantId?: string;
  /** The ids missing from the options come from a ServiceAccount that is not in the manifest: unchecked. */
  fromCluster: boolean;
}

export function findServiceAccounts(objects: readonly ManifestObject[]): ServiceAccountManifest[] {
  return objects
    .filter((object) => object.kind === "ServiceAccount" && isJsonObject(object.metadata))
    .map((object) => {
      const metadata = object.metadata as Record<string, unknown>;
      return {
        name: typeof metadata.name === "string" ? metadata.name : "",
        ...(typeof metadata.namespace === "string" ? { namespace: metadata.namespace } : {}),
        annotations: isJsonObject(metadata.annotations) ? metadata.annotations : {},
      };
    });
}

/** The volume's ids, or the problem the driver would report: an annotation missing or malformed. */
export function checkWorkloadIdentity(
  options: VolumeOptions & { identity: WorkloadIdentity },
  volume: KvVolume,
  accounts: readonly ServiceAccountManifest[],
): { problem: string } | { options: VolumeOptions; workloadIdentity: WorkloadIdentityCheck } {
  const { pod } = options.identity;
  const given = { clientId: options.identity.clientId, tenantId: options.tenantId };
  const serviceAccount = `${pod.namespace}/${pod.serviceAccount}`;
  if (!needsServiceAccount(given))
    return { options, workloadIdentity: { serviceAccount, ...given, fromCluster: false } };
  const namespace = volume.workload.namespace;
  const account = accounts.find(
    (candidate) =>
      candidate.name === pod.serviceAccount &&
      (!namespace || !candidate.namespace || candidate.namespace === namespace),
  );
  if (!account) return { options, workloadIdentity: { serviceAccount, ...given, fromCluster: true } };
  const ids = workloadIds(given, pod, account.annotations);
  if ("problem" in ids) return ids;
  return {
    options: { ...options, tenantId: ids.tenantId },
    workloadIdentity: { serviceAccount, ...ids, fromCluster: false },
  };
}
