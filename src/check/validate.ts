// Validates the azure/kv volumes of a manifest with the driver's own parser, given the options
// kubelet would pass. Pure: manifest texts in, a report out.
import { checkVolumeOptions } from "../options/parseVolumeOptions";
import type { CheckReport, VolumeCheck } from "./checkResult";
import { kubeletCall } from "./kubeletOptions";
import { asWritten, nonStringOptionProblems, placeholderWarnings } from "./optionTypes";
import { parseManifest } from "./manifest";
import { unknownOptionWarnings } from "./unknownOptions";
import { findKvVolumes, findSecrets, type KvVolume, type SecretManifest } from "./workloads";
import { checkWorkloadIdentity, findServiceAccounts, type ServiceAccountManifest } from "./workloadIdentityCheck";

/** The driver's own verdict on the options: every problem, in the order a mount meets them, or what it mounts. */
function driverCheck(
  volume: KvVolume,
  options: unknown,
  accounts: readonly ServiceAccountManifest[],
): Pick<VolumeCheck, "options" | "workloadIdentity"> | { problems: string[] } {
  const checked = checkVolumeOptions(options);
  if ("problems" in checked) return { problems: checked.problems.map((problem) => problem.message) };
  const parsed = checked.options;
  if (parsed.identity.kind !== "workloadIdentity") return { options: parsed };
  const found = checkWorkloadIdentity({ ...parsed, identity: parsed.identity }, volume, accounts);
  return "problem" in found ? { problems: [found.problem] } : found;
}

/** Every problem of the volume: the API server's, kubelet's, then the driver's. */
function validateVolume(
  volume: KvVolume,
  secrets: readonly SecretManifest[],
  accounts: readonly ServiceAccountManifest[],
): VolumeCheck {
  const typeProblems = nonStringOptionProblems(volume.options);
  const written = { ...volume, options: asWritten(volume.options) };
  const call = kubeletCall(written, secrets);
  const warnings = [...unknownOptionWarnings(written.options), ...placeholderWarnings(written.options)];
  const check = { volume: written, secretRef: call.secretRef, warnings };
  const found = driverCheck(written, call.options, accounts);
  const problems = [
    ...typeProblems,
    ...(call.problem ? [call.problem] : []),
    ...("problems" in found ? found.problems : []),
  ];
  if (problems.length > 0) return { ...check, problems };
  return { ...check, problems, ...found };
}

export interface ManifestText {
  /** File name, or "-" for standard input. */
  source: string;
  text: string;
}

/** Validates every azure/kv volume of `manifest`; Secrets come from `secretFile` first, then from the manifest. */
export function validateManifest(manifest: ManifestText, secretFile?: ManifestText): CheckReport {
  const { objects, problems } = parseManifest(manifest.text, manifest.source);
  const secrets = findSecrets(objects);
  if (secretFile) {
    const file = parseManifest(secretFile.text, secretFile.source);
    const fileSecrets = findSecrets(file.objects);
    problems.push(...file.problems);
    if (fileSecrets.length === 0) problems.push(`${secretFile.source}: holds no Secret (kind: Secret, type: azure/kv)`);
    secrets.unshift(...fileSecrets);
  }
  const accounts = findServiceAccounts(objects);
  const volumes = findKvVolumes(objects).map((volume) => validateVolume(volume, secrets, accounts));
  return { source: manifest.source, problems, volumes, fetched: false };
}
