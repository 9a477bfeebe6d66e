// Why one object could not be fetched or turned into file content, as mount and kv check report it.

export type FailureCause =
  "not found" | "forbidden" | "unauthorized" | "throttled" | "network" | "timeout" | "invalid content" | "error";

/** One object that could not be fetched or turned into file content. */
export interface ObjectFailure {
  /** `type/name` as the pod author wrote it, e.g. `secret/db-password`. */
  object: string;
  cause: FailureCause;
  /** What went wrong and how to fix it; never contains a secret. */
  detail: string;
}
