// One Key Vault object to put into the volume, as the options name it.

export type ObjectType = "secret" | "key" | "cert";

/**
 * How an object's file is written (keyvaultobjectformats). "default" keeps the Go driver's bytes;
 * "pem" and "pfx" fit only some types (see options/formats.ts).
 */
export type ObjectFormat = "default" | "pem" | "pfx";

/** How a secret's value is encoded in the vault (keyvaultobjectencodings); the file gets the decoded bytes. */
export type ObjectEncoding = "utf-8" | "base64" | "hex";

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

/** What an object's file holds beyond its type: its format and, for secrets, the value's encoding. */
export type ObjectOutput = Pick<ObjectSpec, "format" | "encoding">;

/** `type/name`, with `@version` when pinned: how reports and failures name an object. */
export function objectLabel(spec: ObjectSpec): string {
  return `${spec.type}/${spec.name}${spec.version ? `@${spec.version}` : ""}`;
}
