// Which identity fetches the objects: NMI (pod identity), the node's managed identity, workload
// identity, or a service principal.

import { OptionError } from "../errors";
import type { Checks } from "./checks";
import { wholeNumber } from "./numbers";
import { decodeStdBase64, utf8Text } from "../text/base64";
import { KEY } from "./keys";
import { clientIdProblem } from "./names";
import { optionValue, type RawOptions } from "./rawOptions";
import { quote } from "../text/json";
import type { Identity } from "../model/identity";
import { kubeletPodField, parseWorkloadIdentity } from "./workloadIdentity";

const DEFAULT_NMI_PORT = 2579;

const IDENTITY_FLAGS = [KEY.usePodIdentity, KEY.useVmManagedIdentity, KEY.useWorkloadIdentity] as const;

/** Undefined when a flag had a problem (which identity is meant is not known) or the identity's options did. */
export function parseIdentity(checks: Checks, options: RawOptions): Identity | undefined {
  const failures = checks.failures;
  const [first, second] = IDENTITY_FLAGS.filter((flag) => checks.attempt(() => parseFlag(options, flag)));
  if (checks.failures > failures) return undefined;
  if (second) {
    throw new OptionError(
      first,
      `and ${second} are both "true"; set only one of ${IDENTITY_FLAGS.join(", ")} ` +
        "(or none, to use the service principal from secretRef)",
    );
  }
  if (first === KEY.usePodIdentity) return podIdentity(checks, options);
  if (first === KEY.useVmManagedIdentity) return managedIdentity(options);
  if (first === KEY.useWorkloadIdentity) return parseWorkloadIdentity(checks, options);
  return servicePrincipal(checks, options);
}

/** "true" or "false" in any letter case; absent or empty is false. */
export function parseFlag(options: RawOptions, key: string): boolean {
  const value = optionValue(options, key).toLowerCase();
  if (value !== "" && value !== "true" && value !== "false") {
    throw new OptionError(key, `is ${quote(value)}; use "true" or "false"`);
  }
  return value === "true";
}

function podIdentity(checks: Checks, options: RawOptions): Identity | undefined {
  const podField = (key: string) =>
    kubeletPodField(options, key, KEY.usePodIdentity, "NMI needs the pod's name and namespace");
  const fields = checks.all({
    nmiPort: () => parseNmiPort(optionValue(options, KEY.nmiPort)),
    podName: () => podField(KEY.podName),
    podNamespace: () => podField(KEY.podNamespace),
  });
  return fields && { kind: "podIdentity", ...fields };
}

function parseNmiPort(value: string): number {
  if (value === "") return DEFAULT_NMI_PORT;
  return wholeNumber(KEY.nmiPort, value, {
    min: 1,
    max: 65535,
    noun: "a valid NMI port",
    hint: ` (NMI's port on this node; default ${DEFAULT_NMI_PORT})`,
  });
}

function managedIdentity(options: RawOptions): Identity {
  const clientId = optionValue(options, KEY.vmManagedIdentityClientId);
  if (clientId === "") return { kind: "managedIdentity" };
  const problem = clientIdProblem(clientId);
  if (problem) {
    throw new OptionError(
      KEY.vmManagedIdentityClientId,
      `${quote(clientId)} ${problem}; leave it empty to use the node's system-assigned identity`,
    );
  }
  return { kind: "managedIdentity", clientId };
}

const SECRET_REF_HELP =
  'create a Secret of type "azure/kv" with keys clientid and clientsecret (the service principal\'s ' +
  "application id and password) in the pod's namespace and reference it with secretRef in the flexVolume, " +
  `or set ${KEY.usePodIdentity}, ${KEY.useVmManagedIdentity} or ${KEY.useWorkloadIdentity} to "true"`;

/**
 * An Azure AD application (client) id: its GUID, or an application id URI such as
 * api://contoso-app. Anything else may be the client secret in the wrong key.
 */
const APPLICATION_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z][a-z0-9+.-]*:\/\/\S+)$/i;

function servicePrincipal(checks: Checks, options: RawOptions): Identity | undefined {
  const principal = checks.all({
    clientId: () => applicationId(options),
    clientSecret: () => secretRefValue(options, KEY.clientSecret),
  });
  return principal && { kind: "servicePrincipal", ...principal };
}

function applicationId(options: RawOptions): string {
  const clientId = secretRefValue(options, KEY.clientId).trim();
  if (!APPLICATION_ID.test(clientId)) {
    // Never echoed: the client id is logged and shown, so a swapped secret would be too.
    throw new OptionError(
      KEY.clientId,
      "is not an application (client) id, a GUID such as 3f1c9a52-7d4e-4b6a-9c0b-2e1d3c4b5a69 or an id URI " +
        "(its value is not shown: " +
        "are clientid and clientsecret swapped in the Secret?)",
    );
  }
  return clientId;
}

/**
 * A secretRef value, decoded. Errors never echo it: it may be the client secret.
 * Trailing CR/LF is dropped: the Go driver's wrapper read these with `$(... | base64 -d)`, which strips
 * trailing newlines, so a Secret made with `echo` (value ending in "\n") worked and must keep working.
 * Neither a client id nor an AAD client secret can end in a line break.
 */
function secretRefValue(options: RawOptions, key: string): string {
  const encoded = optionValue(options, key);
  if (encoded === "") {
    throw new OptionError(
      key,
      `is missing: with no identity flag set, a service principal is used; ${SECRET_REF_HELP}`,
    );
  }
  const bytes = decodeStdBase64(encoded);
  const text = bytes && utf8Text(bytes);
  if (text === undefined) {
    throw new OptionError(
      key,
      "is not base64 of UTF-8 text (kubelet encodes Secret values itself); " +
        "when calling the driver by hand, pass the value base64-encoded",
    );
  }
  const value = text.replace(/[\r\n]+$/, "");
  if (value === "") {
    throw new OptionError(key, `is empty; put the service principal's value in the Secret: ${SECRET_REF_HELP}`);
  }
  return value;
}
