// Which Azure AD application and tenant a workload identity signs in as: the volume's options,
// else the service account's annotations (the ones the workload identity webhook reads, so
// existing setups carry over). Pure: the driver reads the annotations from the API server,
// `kv check` from the manifest.
import { clientIdProblem, tenantIdProblem } from "../options/names";
import { KEY } from "../options/keys";
import { quote } from "../text/json";
import { CLIENT_ID_ANNOTATION, TENANT_ID_ANNOTATION, type PodRef } from "../model/identity";

export interface WorkloadIds {
  clientId: string;
  tenantId: string;
}

/** What the volume's options give; the service account is read only when one is missing. */
export type GivenIds = Partial<WorkloadIds>;

export const needsServiceAccount = (given: GivenIds): boolean => !given.clientId || !given.tenantId;

const ID_SOURCES = {
  clientId: {
    option: KEY.workloadClientId,
    annotation: CLIENT_ID_ANNOTATION,
    what: "client id",
    problemOf: clientIdProblem,
  },
  tenantId: { option: KEY.tenantId, annotation: TENANT_ID_ANNOTATION, what: "tenant id", problemOf: tenantIdProblem },
} as const;

/** The ids, or the problem (one of them missing or malformed) in words for the driver's answer and `kv check`. */
export function workloadIds(
  given: GivenIds,
  pod: PodRef,
  annotations: Readonly<Record<string, unknown>>,
): WorkloadIds | { problem: string } {
  const ids: Partial<WorkloadIds> = {};
  for (const field of ["clientId", "tenantId"] as const) {
    const { option, annotation, what, problemOf } = ID_SOURCES[field];
    const annotated = annotations[annotation];
    const value = given[field] ?? (typeof annotated === "string" ? annotated.trim() : "");
    const account = `service account ${pod.namespace}/${pod.serviceAccount}`;
    if (value === "") {
      return {
        problem:
          `workload identity: no ${what} for ${account}: set the volume option ${option}, or annotate the ` +
          `service account ` +
          `(kubectl annotate serviceaccount -n ${pod.namespace} ${pod.serviceAccount} ${annotation}=<${what}>)`,
      };
    }
    const problem = given[field] ? undefined : problemOf(value);
    if (problem)
      return { problem: `workload identity: the annotation ${annotation} of ${account}, ${quote(value)}, ${problem}` };
    ids[field] = value;
  }
  return ids as WorkloadIds;
}
