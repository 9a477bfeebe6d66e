// Validates the azure/kv volumes of a manifest with the driver's own parser, given the options
// kubelet would pass. Pure: manifest texts in, a report out.
import { OptionError } from "../errors";
import { parseVolumeOptions } from "../options/parseVolumeOptions";
import type { CheckReport, VolumeCheck } from "./checkResult";
import { kubeletCall } from "./kubeletOptions";
import { parseManifest } from "./manifest";
import { findKvVolumes, findSecrets, type KvVolume, type SecretManifest } from "./workloads";
import { checkWorkloadIdentity, findServiceAccounts, type ServiceAccountManifest } from "./workloadIdentityCheck";

function validateVolume(volume: KvVolume, secrets: readonly SecretManifest[], accounts: readonly ServiceAccountManifest[]): VolumeCheck {
  const call = kubeletCall(volume, secrets);
  const check = { volume, secretRef: call.secretRef };
  if (call.problem) return { ...check, problem: call.problem };
  try {
    const options = parseVolumeOptions(call.options);
    if (options.identity.kind !== "workloadIdentity") return { ...check, options };
    const found = checkWorkloadIdentity({ ...options, identity: options.identity }, volume, accounts);
    return { ...check, ...("problem" in found ? { problem: found.problem } : found) };
  } catch (error) {
    if (error instanceof OptionError) return { ...check, problem: error.message };
    throw error;
  }
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
