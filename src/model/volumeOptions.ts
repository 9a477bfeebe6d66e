// The parsed, validated shape of a mount's options. Built by options/parseVolumeOptions.ts.
import type { CloudName } from "./cloudName";
import type { Identity } from "./identity";
import type { ObjectSpec } from "./objectSpec";

export interface VolumeOptions {
  vaultName: string;
  /** Absent only with workload identity: the service account's annotation then names it. */
  tenantId?: string;
  cloudName: CloudName;
  identity: Identity;
  objects: ObjectSpec[];
  /** File mode of every written file (filepermission; group-readable when there is an fsGroup). */
  fileMode: number;
  /** The whole mount's deadline (option mounttimeout). */
  mountTimeoutSeconds: number;
  /** Group owning the files (the pod's fsGroup), when kubelet passes one. */
  fsGroup?: number;
  /** One more file, of `export NAME='value'` lines (option envfile). */
  envFile?: string;
  /** rotationpollinterval in seconds: `kv refresh` keeps the volume current. Absent: written once. */
  rotationIntervalSeconds?: number;
}
