// The parsed, validated shape of a mount's options. Built by parseVolumeOptions.

export type ObjectType = "secret" | "key" | "cert";

/**
 * How an object's file is written (keyvaultobjectformats). "default" keeps the Go driver's bytes;
 * "pem" and "pfx" fit only some types (see options/formats.ts).
 */
export type ObjectFormat = "default" | "pem" | "pfx";

/** How a secret's value is encoded in the vault (keyvaultobjectencodings); the file gets the decoded bytes. */
export type ObjectEncoding = "utf-8" | "base64" | "hex";

/** One Key Vault object to put into the volume. */
export interface ObjectSpec {
  type: ObjectType;
  /** Object name in the vault. */
  name: string;
  /** File name inside the volume (the alias, or the name). */
  fileName: string;
  /** Pinned version; empty means latest. */
  version: string;
  format: ObjectFormat;
  /** Always "utf-8" for keys and certificates. */
  encoding: ObjectEncoding;
  /** Its variable in the env file (keyvaultobjectenvnames); absent: not in it. */
  envName?: string;
}

export type Identity =
  | { kind: "servicePrincipal"; clientId: string; clientSecret: string }
  | { kind: "podIdentity"; nmiPort: number; podName: string; podNamespace: string }
  | { kind: "managedIdentity"; clientId?: string };

export type CloudName =
  | "AzurePublicCloud"
  | "AzureChinaCloud"
  | "AzureUSGovernmentCloud"
  | "AzureGermanCloud"
  | "AzureStackCloud";

export interface VolumeOptions {
  vaultName: string;
  tenantId: string;
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
}
