// `useworkloadidentity: "true"`: the pod's own service account, exchanged at Azure AD. Kubelet
// names the pod and its service account; the client id may be the `clientid` option.

import { OptionError } from "../errors";
import type { Checks } from "./checks";
import { KEY } from "./keys";
import { clientIdProblem, podNameProblem } from "./names";
import { optionValue, type RawOptions } from "./rawOptions";
import { quote } from "../text/json";
import { CLIENT_ID_ANNOTATION, type WorkloadIdentity } from "../model/identity";

/**
 * A Kubernetes object uid, as kubelet passes the pod's: the API server makes them RFC 4122 UUIDs, but
 * only the shape that is safe in the TokenRequest's binding is checked here; the API server checks the rest.
 */
const UID = /^[0-9a-zA-Z-]{1,64}$/;

/**
 * One of the pod's keys that kubelet passes on every mount, which `flag` needs: `need` says what for.
 * Checked as a Kubernetes name unless `problemOf` says otherwise.
 */
export function kubeletPodField(
  options: RawOptions,
  key: string,
  flag: string,
  need: string,
  problemOf = podNameProblem,
): string {
  const value = optionValue(options, key);
  if (value === "") {
    throw new OptionError(
      key,
      `is missing but ${flag} is "true": ${need}; ` +
        "kubelet normally passes it on every mount (add it yourself when calling the driver by hand)",
    );
  }
  const problem = problemOf(value);
  if (problem) throw new OptionError(key, `${quote(value)} ${problem}`);
  return value;
}

const NEED = "the driver asks the Kubernetes API for a token of the pod's service account, bound to the pod";

export function parseWorkloadIdentity(checks: Checks, options: RawOptions): WorkloadIdentity | undefined {
  const field = (key: string, problemOf?: (value: string) => string | undefined) =>
    kubeletPodField(options, key, KEY.useWorkloadIdentity, NEED, problemOf);
  const pod = checks.all({
    name: () => field(KEY.podName),
    namespace: () => field(KEY.podNamespace),
    uid: () => field(KEY.podUid, (uid) => (UID.test(uid) ? undefined : "must be the pod's uid (a UUID)")),
    serviceAccount: () => field(KEY.serviceAccountName),
  });
  const clientId = checks.attempt(() => workloadClientId(options));
  if (!pod || clientId === undefined) return undefined;
  return clientId === "" ? { kind: "workloadIdentity", pod } : { kind: "workloadIdentity", pod, clientId };
}

/** The `clientid` option, "" when not given. */
function workloadClientId(options: RawOptions): string {
  const clientId = optionValue(options, KEY.workloadClientId);
  if (clientId === "") return clientId;
  const problem = clientIdProblem(clientId);
  if (problem) {
    throw new OptionError(
      KEY.workloadClientId,
      `${quote(clientId)} ${problem}; use the client id of the managed identity or application federated with ` +
        `the service account, ` +
        `or leave it out to use the service account's annotation ${CLIENT_ID_ANNOTATION}`,
    );
  }
  return clientId;
}
