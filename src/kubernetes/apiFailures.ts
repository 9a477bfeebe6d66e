// What went wrong asking the Kubernetes API for workload identity, as a step and a fix an
// operator can act on. Never shows a token or a key: only names, paths and the server's words.
import { IdentityError } from "../errors";
import type { PodRef } from "../model/identity";
import type { NodeCredentials } from "./kubeconfig";
import { KubernetesApiError, NotJsonError, nodeIdentity } from "./nodeClient";

export interface ApiCall {
  step: "TokenRequest" | "service account read";
  credentials: NodeCredentials;
  pod: PodRef;
  audience: string;
}

/** The Kubernetes ≥ 1.33 NodeRestriction refusal (ServiceAccountNodeAudienceRestriction). */
const AUDIENCE_REFUSED = /audience "([^"]*)" not found in pod spec volume/;

const TLS_TRUST_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

const serviceAccountName = (pod: PodRef) => `${pod.namespace}/${pod.serviceAccount}`;

function where({ credentials }: ApiCall): string {
  return (
    `the Kubernetes ` +
    `API server ${credentials.server} (kubeconfig ${credentials.kubeconfig}, context ${credentials.context})`
  );
}

function refusal(error: KubernetesApiError, call: ApiCall): string {
  const { pod, credentials } = call;
  const said = `${error.status}${error.reason ? ` ${error.reason}` : ""}: ${error.apiMessage}`;
  const asked =
    call.step === "TokenRequest"
      ? `a token for service account ${serviceAccountName(pod)}`
      : `service account ${serviceAccountName(pod)}`;
  if (error.status === 401) {
    return (
      `${where(call)} did not accept the node's ` +
      `credentials, ${nodeIdentity(credentials)}, asking for ${asked} (${said}); ` +
      "KV_KUBECONFIG must be kubelet's own kubeconfig, and its client certificate current (kubelet rotates it)"
    );
  }
  const audience = AUDIENCE_REFUSED.exec(error.apiMessage)?.[1];
  if (error.status === 403 && audience !== undefined) {
    return (
      `${where(call)} refused ${nodeIdentity(credentials)} a token for audience ${audience} (${said}): since ` +
      `Kubernetes 1.33 a node gets only audiences ` +
      `that the pod projects or that RBAC grants nodes; either ` +
      `label pod ${pod.namespace}/${pod.name} azure.workload.identity/use: "true" ` +
      "(the workload identity webhook then projects that audience into it), or grant the group system:nodes " +
      "a ClusterRole with " +
      `apiGroups [""], resources ["${audience}"], verbs ["request-serviceaccounts-token-audience"]`
    );
  }
  if (error.status === 403 && call.step === "service account read") {
    return (
      `${where(call)} does not let ${nodeIdentity(credentials)} read service ` +
      `account ${serviceAccountName(pod)} (${said}); a node ` +
      `reads only service accounts ` +
      `of pods bound to it, so pod ${pod.namespace}/${pod.name} (uid ${pod.uid}) must be scheduled on this ` +
      `node; on clusters whose nodes may not read ` +
      "service accounts at all, give both clientid and tenantid as volume options, so that the driver need not read it"
    );
  }
  if (error.status === 403) {
    return (
      `${where(call)} refused ${nodeIdentity(credentials)} ${asked} (${said}); a node gets tokens only for ` +
      `pods bound to it: ` +
      `pod ${pod.namespace}/${pod.name} (uid ${pod.uid}) must be scheduled on this node, and the kubeconfig ` +
      `must be this node's kubelet's`
    );
  }
  if (error.status === 404) {
    return (
      `${where(call)} found no such object asking for ${asked} (${said}); check ` +
      `that pod ${pod.namespace}/${pod.name} and its ` +
      `service account exist`
    );
  }
  return `${where(call)} answered ${said} asking for ${asked}`;
}

/**
 * `error` from a call to the API server, as an IdentityError naming the step, the server, the kubeconfig and the fix.
 */
export function explainApiFailure(error: unknown, call: ApiCall): IdentityError {
  if (error instanceof IdentityError) return error;
  const prefix = `workload identity: ${call.step} failed: `;
  if (error instanceof KubernetesApiError) return new IdentityError(prefix + refusal(error, call));
  if (error instanceof NotJsonError) {
    return new IdentityError(
      `${prefix}${where(call)} ${error.message}; check that the kubeconfig's server is the API server itself, not a ` +
        "proxy or load balancer page in front of it",
    );
  }
  const code = (error as NodeJS.ErrnoException).code ?? "";
  if (code === "ABORT_ERR") return new IdentityError(`${prefix}${where(call)} did not answer before the deadline`);
  if (TLS_TRUST_CODES.has(code)) {
    return new IdentityError(
      `${prefix}the certificate of ${where(call)} is not trusted (${code}); the kubeconfig's certificate-authority ` +
        `(or -data) must be the cluster's CA, and its server a name that certificate holds`,
    );
  }
  if (code.startsWith("ERR_OSSL") || code === "ERR_SSL_EE_KEY_TOO_SMALL") {
    return new IdentityError(
      `${prefix}the node's client certificate or key from ` +
        `kubeconfig ${call.credentials.kubeconfig} cannot be used (${code}); check ` +
        `client-certificate and client-key`,
    );
  }
  const reason = code || (error instanceof Error ? error.message : String(error));
  return new IdentityError(
    `${prefix}cannot reach ${where(call)}: ${reason}, after retries; check that this node reaches the API ` +
      `server, as kubelet does with the same kubeconfig`,
  );
}
