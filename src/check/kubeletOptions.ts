// What kubelet would pass to `kv mount` for a volume of a manifest: its own keys, the
// secretRef Secret's values (base64), then the volume's options, which win (as in kubelet).
import { KEY } from "../options/keys";
import { decodeStdBase64 } from "../text/base64";
import { isJsonObject } from "../text/json";
import { DRIVER, type KvVolume, type SecretManifest } from "./workloads";

const SECRET_PREFIX = "kubernetes.io/secret/";
/** Stand in for a Secret that is not at hand, so that the other options still get checked. */
const PLACEHOLDER = {
  [KEY.clientId]: Buffer.from("00000000-0000-0000-0000-000000000000").toString("base64"),
  [KEY.clientSecret]: Buffer.from("not-checked").toString("base64"),
};

/** Where the secretRef values came from. */
export type SecretRefSource =
  | { kind: "none" }
  | { kind: "secret"; secret: SecretManifest }
  /** Not in the manifest nor in --secret-file: placeholders were used. */
  | { kind: "placeholder"; name: string };

interface KubeletCall {
  options: unknown;
  secretRef: SecretRefSource;
  /** What kubelet itself would refuse before calling the driver; the volume cannot mount. */
  problem?: string;
}

function sameNamespace(volume: KvVolume, secret: SecretManifest): boolean {
  return !volume.workload.namespace || !secret.namespace || volume.workload.namespace === secret.namespace;
}

/** Kubelet passes each key of the Secret as base64 of its (decoded) value. */
function secretOptions(secret: SecretManifest): { options: Record<string, string>; problem?: string } {
  const options: Record<string, string> = {};
  for (const [key, value] of Object.entries(secret.data)) {
    const bytes = typeof value === "string" ? decodeStdBase64(value) : undefined;
    // Never show the value: it is the secret.
    if (!bytes)
      return {
        options,
        problem:
          `Secret ${JSON.stringify(secret.name)}: data.${key} is not base64 (kubectl would refuse it ` +
          `too); put plain values under stringData`,
      };
    options[SECRET_PREFIX + key] = bytes.toString("base64");
  }
  for (const [key, value] of Object.entries(secret.stringData)) {
    options[SECRET_PREFIX + key] = Buffer.from(String(value)).toString("base64");
  }
  return { options };
}

export function kubeletCall(volume: KvVolume, secrets: readonly SecretManifest[]): KubeletCall {
  const pod = volume.workload;
  const own: Record<string, string> = {
    "kubernetes.io/fsType": "",
    "kubernetes.io/readwrite": volume.readOnly ? "ro" : "rw",
    "kubernetes.io/pvOrVolumeName": volume.volumeName,
    [KEY.podName]: pod.name,
    [KEY.podNamespace]: pod.namespace ?? "default",
    "kubernetes.io/pod.uid": "00000000-0000-0000-0000-000000000000",
    "kubernetes.io/serviceAccount.name": volume.serviceAccount,
    ...(volume.fsGroup === undefined ? {} : { [KEY.fsGroup]: JSON.stringify(volume.fsGroup) }),
  };
  // Options that are no mapping are passed on as they are: validation says what is wrong.
  const merge = (secretValues: Record<string, string>) =>
    isJsonObject(volume.options) ? { ...own, ...secretValues, ...volume.options } : volume.options;

  if (!volume.secretRef) return { options: merge({}), secretRef: { kind: "none" } };
  const secret = secrets.find((candidate) => candidate.name === volume.secretRef && sameNamespace(volume, candidate));
  if (!secret) {
    return { options: merge(PLACEHOLDER), secretRef: { kind: "placeholder", name: volume.secretRef } };
  }
  const { options, problem: dataProblem } = secretOptions(secret);
  const typeProblem =
    secret.type === DRIVER
      ? undefined
      : `Secret ${JSON.stringify(secret.name)} has type ${JSON.stringify(secret.type)}, but kubelet passes a ` +
        `flexVolume's secretRef only from a Secret of type "${DRIVER}"; create it with \`kubectl create secret ` +
        `generic ${secret.name} --type=${DRIVER} ...\``;
  const problem = typeProblem ?? dataProblem;
  return { options: merge(options), secretRef: { kind: "secret", secret }, ...(problem ? { problem } : {}) };
}
