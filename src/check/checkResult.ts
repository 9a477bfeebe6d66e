// What `kv check` finds out, volume by volume: the shapes the checks fill in and the report renders.
import type { ObjectFailure } from "../model/objectFailure";
import type { ObjectSpec } from "../model/objectSpec";
import type { VolumeOptions } from "../model/volumeOptions";
import type { SecretRefSource } from "./kubeletOptions";
import type { KvVolume } from "./workloads";
import type { WorkloadIdentityCheck } from "./workloadIdentityCheck";

export type ObjectResult =
  { spec: ObjectSpec; ok: true; bytes: number } | { spec: ObjectSpec; ok: false; failure: ObjectFailure };

export type FetchOutcome =
  /** Nothing was asked of Azure, and why. */
  | { status: "skipped"; reason: string }
  /** No object could be asked for: no token, no cloud. */
  | { status: "failed"; reason: string }
  | { status: "fetched"; principal: string; objects: ObjectResult[] };

export interface VolumeCheck {
  volume: KvVolume;
  secretRef: SecretRefSource;
  /**
   * Why the volume cannot mount, all at once: what the API server and kubelet would refuse, the driver's OptionError
   * messages. Empty: valid.
   */
  problems: string[];
  /** Not wrong, but likely not meant: an example's placeholder values. */
  warnings: string[];
  /** The options as the driver would see them, when valid. */
  options?: VolumeOptions;
  /** For a valid workload identity volume: the ids it signs in as, and where they come from. */
  workloadIdentity?: WorkloadIdentityCheck;
  /** Present with --fetch, for valid volumes. */
  fetch?: FetchOutcome;
}

export interface CheckReport {
  /** The manifest's file name, or "-". */
  source: string;
  /** Documents that could not be read, a --secret-file without a Secret, ... */
  problems: string[];
  volumes: VolumeCheck[];
  fetched: boolean;
}

/** All is well: something was checked, and everything checked is fine. */
export function reportIsOk(report: CheckReport): boolean {
  return (
    report.problems.length === 0 &&
    report.volumes.length > 0 &&
    report.volumes.every(
      (check) =>
        check.problems.length === 0 &&
        (!report.fetched || (check.fetch?.status === "fetched" && check.fetch.objects.every((object) => object.ok))),
    )
  );
}
