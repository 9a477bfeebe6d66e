// Finds the azure/kv flexVolumes of the workloads in a manifest, and the Secrets next to them.
// Pure: plain objects in, plain records out.
import { isJsonObject } from "../text/json";
import type { ManifestObject } from "./manifest";

export const DRIVER = "azure/kv";

export interface Workload {
  kind: string;
  name: string;
  /** As the manifest says; absent means the namespace it is applied to. */
  namespace?: string;
}

/** One `flexVolume` with driver azure/kv, with what kubelet would know about its pod. */
export interface KvVolume {
  workload: Workload;
  volumeName: string;
  /** `flexVolume.options` exactly as written (validation says what is wrong with it). */
  options: unknown;
  /** `flexVolume.secretRef.name`, when given. */
  secretRef?: string;
  readOnly: boolean;
  /** The pod's securityContext.fsGroup, as written. */
  fsGroup?: unknown;
  serviceAccount: string;
}

/** A Secret of the manifest (or of --secret-file): only what a flexVolume secretRef uses. */
export interface SecretManifest {
  name: string;
  namespace?: string;
  type: string;
  /** Values as written: base64. */
  data: Record<string, unknown>;
  /** Values as written: plain text. */
  stringData: Record<string, unknown>;
}

/** Where each kind keeps its pod spec. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: ["spec"],
  Deployment: ["spec", "template", "spec"],
  StatefulSet: ["spec", "template", "spec"],
  DaemonSet: ["spec", "template", "spec"],
  ReplicaSet: ["spec", "template", "spec"],
  ReplicationController: ["spec", "template", "spec"],
  Job: ["spec", "template", "spec"],
  CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
};

function field(value: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((at, key) => (isJsonObject(at) ? at[key] : undefined), value);
}

const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);
const mapping = (value: unknown): Record<string, unknown> => (isJsonObject(value) ? value : {});

function workloadOf(object: ManifestObject): Workload {
  const metadata = mapping(object.metadata);
  const namespace = text(metadata.namespace);
  return {
    kind: String(object.kind),
    // A pod made from generateName gets a suffix; the prefix is as good a name for checking.
    name: text(metadata.name) ?? text(metadata.generateName) ?? "(unnamed)",
    ...(namespace ? { namespace } : {}),
  };
}

export function findKvVolumes(objects: readonly ManifestObject[]): KvVolume[] {
  return objects.flatMap((object) => {
    const path = typeof object.kind === "string" ? POD_SPEC_PATHS[object.kind] : undefined;
    const podSpec = path && mapping(field(object, path));
    if (!podSpec || !Array.isArray(podSpec.volumes)) return [];
    const workload = workloadOf(object);
    return podSpec.volumes.filter(isJsonObject).flatMap((volume): KvVolume[] => {
      const flex = mapping(volume.flexVolume);
      if (flex.driver !== DRIVER) return [];
      const secretRef = text(field(flex, ["secretRef", "name"]));
      return [
        {
          workload,
          volumeName: text(volume.name) ?? "(unnamed)",
          options: flex.options ?? {},
          ...(secretRef ? { secretRef } : {}),
          readOnly: flex.readOnly === true,
          fsGroup: field(podSpec, ["securityContext", "fsGroup"]),
          serviceAccount: text(podSpec.serviceAccountName) ?? "default",
        },
      ];
    });
  });
}

export function findSecrets(objects: readonly ManifestObject[]): SecretManifest[] {
  return objects
    .filter((object) => object.kind === "Secret")
    .map((object) => {
      const { name = "(unnamed)", namespace } = workloadOf(object);
      return {
        name,
        ...(namespace ? { namespace } : {}),
        type: text(object.type) ?? "Opaque",
        data: mapping(object.data),
        stringData: mapping(object.stringData),
      };
    });
}
