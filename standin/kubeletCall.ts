// Kubelet's half of a mount call: the volume directory it makes, and the options it passes
// to `kv mount` (its own keys with the pod's flexVolume options merged over them, secretRef
// values base64).
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const base64 = (text: string) => Buffer.from(text).toString("base64");

/** The pod uid kubeletOptions passes unless told another. */
export const POD_UID = "5f1c2a9e-0d3b-4c6e-8a7f-1b2c3d4e5f60";

/**
 * Makes `<kubeletRoot>/pods/<podUid>/volumes/azure~kv/<name>` as kubelet does (0750) and returns
 * it: the only shape of <dir> the driver accepts. Every test, the demo, the bench and the
 * build's training mount take their volume directories from here.
 */
export function makeVolumeDir(kubeletRoot: string, name = "secrets", podUid: string = randomUUID()): string {
  const dir = join(kubeletRoot, "pods", podUid, "volumes", "azure~kv", name);
  mkdirSync(dir, { recursive: true, mode: 0o750 });
  return dir;
}

export interface SecretRef {
  clientId: string;
  clientSecret: string;
}

/** kubelet's own keys plus the pod's options; the pod's options win, as in kubelet. */
export function kubeletOptions(
  podOptions: Record<string, string>,
  secretRef?: SecretRef,
  pod: { name: string; namespace: string; uid?: string } = { name: "web-0", namespace: "default" },
): Record<string, string> {
  return {
    "kubernetes.io/fsType": "",
    "kubernetes.io/readwrite": "rw",
    "kubernetes.io/pod.name": pod.name,
    "kubernetes.io/pod.namespace": pod.namespace,
    "kubernetes.io/pod.uid": pod.uid ?? POD_UID,
    "kubernetes.io/pvOrVolumeName": "secrets",
    "kubernetes.io/serviceAccount.name": "default",
    ...(secretRef
      ? {
          "kubernetes.io/secret/clientid": base64(secretRef.clientId),
          "kubernetes.io/secret/clientsecret": base64(secretRef.clientSecret),
        }
      : {}),
    ...podOptions,
  };
}
