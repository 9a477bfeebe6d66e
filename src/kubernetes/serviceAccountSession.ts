// The Kubernetes half of a workload identity sign-in: the node's credentials, the mount's one
// TokenRequest for the pod's service account, and the ids to sign in as. Imported only by
// workload identity mounts: the other identities never load the kubeconfig's YAML parser.
import { readFileSync } from "node:fs";
import { IdentityError } from "../errors";
import { log } from "../log";
import type { WorkloadIdentity } from "../model/identity";
import { explainApiFailure, type ApiCall } from "./apiFailures";
import { loadNodeCredentials, type NodeCredentials } from "./kubeconfig";
import { readServiceAccountAnnotations, requestServiceAccountToken, type ServiceAccountToken } from "./nodeClient";
import { needsServiceAccount, workloadIds, type WorkloadIds } from "./serviceAccountIds";

/** About an hour, as the workload identity webhook projects it; a mount never takes longer. */
const TOKEN_SECONDS = 3600;

export interface ServiceAccountSession {
  credentials: NodeCredentials;
  ids: WorkloadIds;
  /** The mount's one TokenRequest: every assertion Azure AD is sent is this token. */
  token: Promise<ServiceAccountToken>;
}

/** `asking` learns the node's credentials before the API server is asked anything. */
export async function openServiceAccountSession(
  identity: WorkloadIdentity,
  tenantOption: string | undefined,
  audience: string,
  env: NodeJS.ProcessEnv,
  /** Both calls are abandoned when it fires: a hanging API server holds no request past the deadline. */
  deadline: AbortSignal | undefined,
  asking: (credentials: NodeCredentials) => void,
): Promise<ServiceAccountSession> {
  const credentials = loadNodeCredentials(env, (path) => readFileSync(path, "utf8"));
  asking(credentials);
  const { pod } = identity;
  const call = (step: ApiCall["step"]): ApiCall => ({ step, credentials, pod, audience });
  const given = { clientId: identity.clientId, tenantId: tenantOption };
  const readsServiceAccount = needsServiceAccount(given);
  log.info("workload-identity", {
    serviceAccount: `${pod.namespace}/${pod.serviceAccount}`,
    kubeconfig: credentials.kubeconfig,
    server: credentials.server,
    readsServiceAccount,
  });
  // Asked at once, beside the service account read: the mount waits for one round trip, not two.
  const token = requestServiceAccountToken(
    credentials,
    pod,
    { audience, expirationSeconds: TOKEN_SECONDS },
    deadline,
  ).catch((error: unknown) => {
    throw explainApiFailure(error, call("TokenRequest"));
  });
  // Awaited later, or never when the service account read fails first.
  token.catch(() => undefined);
  let annotations: Record<string, string> = {};
  if (readsServiceAccount) {
    annotations = await readServiceAccountAnnotations(credentials, pod, deadline).catch((error: unknown) => {
      throw explainApiFailure(error, call("service account read"));
    });
  }
  const ids = workloadIds(given, pod, annotations);
  if ("problem" in ids) throw new IdentityError(ids.problem);
  return { credentials, ids, token };
}
