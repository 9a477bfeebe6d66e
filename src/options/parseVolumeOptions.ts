// From kubelet's mount argument to validated VolumeOptions. Pure: no I/O, no environment.
// Checks run in a fixed order (required keys first); each problem is an OptionError that names the
// option, says what is wrong and how to fix it. One code path, two uses (./checks.ts): the driver
// throws the first problem (parseVolumeOptions), `kv check` gets every one (checkVolumeOptions), each
// independent option checked and what builds on an option with a problem skipped.

import { CLOUD_NAMES, type CloudName } from "../model/cloudName";
import { OptionError } from "../errors";
import { Checks } from "./checks";
import { parseFileMode } from "./fileMode";
import { wholeNumber } from "./numbers";
import { parseFlag, parseIdentity } from "./identity";
import { JSON_OPTIONS, KEY } from "./keys";
import { tenantIdProblem, vaultNameProblem } from "./names";
import { parseEnvFile } from "./envFile";
import { parseObjects } from "./objects";
import { firstGiven, indexOptions, optionValue, type RawOptions } from "./rawOptions";
import { parseRotation } from "./rotation";
import { jsonSyntaxProblem, quote } from "../text/json";
import type { VolumeOptions } from "../model/volumeOptions";

/** The `<json-options>` argument of `kv mount <dir> <json-options>` as a JSON object (still unchecked). */
export function parseMountArgument(json: string | undefined): unknown {
  if (json === undefined) {
    throw new OptionError(
      JSON_OPTIONS,
      "is missing: the call is `kv mount <dir> <json-options>`, options as one JSON object",
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new OptionError(JSON_OPTIONS, `${jsonSyntaxProblem(error)}; pass the options as one JSON object of strings`);
  }
  indexOptions(parsed); // refuses anything but an object
  return parsed;
}

const DEFAULT_CLOUD: CloudName = "AzurePublicCloud";

/** A required option: the keys it may be given under (legacy last) and what it is, for "missing" messages. */
const REQUIRED = {
  vaultName: {
    keys: [KEY.vaultName],
    example: 'the key vault\'s name, e.g. "myvault" for https://myvault.vault.azure.net',
  },
  objectNames: {
    keys: [KEY.objectNames, KEY.legacyObjectName],
    example:
      `the ';'-separated names of the vault objects to mount, e.g. "db-password;tls" ` +
      `(legacy: ${KEY.legacyObjectName})`,
  },
  objectTypes: {
    keys: [KEY.objectTypes, KEY.legacyObjectType],
    example:
      `one type per name, ';'-separated: secret, key or cert, e.g. "secret;cert" ` +
      `(legacy: ${KEY.legacyObjectType})`,
  },
  tenantId: { keys: [KEY.tenantId], example: "the AAD tenant (directory) id of the vault, a GUID" },
} as const;

/** The options, or every problem they have, the first one the one parseVolumeOptions throws. */
export type OptionsCheck = { options: VolumeOptions } | { problems: OptionError[] };

export function checkVolumeOptions(raw: unknown): OptionsCheck {
  return run(raw, new Checks("every"));
}

/** The options; throws their first problem. */
export function parseVolumeOptions(raw: unknown): VolumeOptions {
  const checked = run(raw, new Checks("first"));
  if ("problems" in checked) throw checked.problems[0]; // not reached: Checks("first") throws it
  return checked.options;
}

function run(raw: unknown, checks: Checks): OptionsCheck {
  const options = checks.attempt(() => volumeOptions(raw, checks));
  return options ? { options } : { problems: checks.problems };
}

/** Undefined when any check had a problem (and some did, then). */
function volumeOptions(raw: unknown, checks: Checks): VolumeOptions | undefined {
  const options = indexOptions(raw);
  const required = (which: keyof typeof REQUIRED) =>
    checks.attempt(() => {
      const given = firstGiven(options, REQUIRED[which].keys);
      if (given.value === "") throw new OptionError(given.key, `is required: ${REQUIRED[which].example}`);
      return given;
    });
  const vaultName = required("vaultName");
  const objectNames = required("objectNames");
  const objectTypes = required("objectTypes");
  // With workload identity, the service account's annotation may name the tenant instead.
  const workloadIdentity = checks.attempt(() => parseFlag(options, KEY.useWorkloadIdentity));
  const tenantId =
    workloadIdentity === false
      ? required("tenantId")
      : checks.attempt(() => firstGiven(options, REQUIRED.tenantId.keys));

  if (vaultName)
    checks.attempt(() => checkValue(vaultName, vaultNameProblem, "use the vault's name as the Azure portal shows it"));
  const objects =
    objectNames && objectTypes && checks.attempt(() => parseObjects(checks, options, objectNames, objectTypes));
  const named = objectNames && objects && { namesKey: objectNames.key, objects };
  const files = checks.attempt(() => parseEnvFile(checks, options, named));
  if (tenantId && tenantId.value !== "")
    checks.attempt(() => checkValue(tenantId, tenantIdProblem, "copy the directory (tenant) id from the Azure portal"));

  const cloudName = checks.attempt(() => parseCloudName(optionValue(options, KEY.cloudName)));
  const identity = checks.attempt(() => parseIdentity(checks, options));
  const fsGroup = checks.attempt(() => parseFsGroup(options));
  const fileMode = checks.attempt(() => parseFileMode(options, fsGroup));
  const mountTimeoutSeconds = checks.attempt(() => parseMountTimeout(options));
  const rotationIntervalSeconds = checks.attempt(() => parseRotation(checks, options, files));
  if (
    !vaultName ||
    !tenantId ||
    !files ||
    !cloudName ||
    !identity ||
    fileMode === undefined ||
    mountTimeoutSeconds === undefined
  )
    return undefined;
  return {
    vaultName: vaultName.value,
    ...(tenantId.value === "" ? {} : { tenantId: tenantId.value }),
    cloudName,
    identity,
    objects: files.objects,
    fileMode,
    mountTimeoutSeconds,
    ...(fsGroup === undefined ? {} : { fsGroup }),
    ...(files.envFile === undefined ? {} : { envFile: files.envFile }),
    ...(rotationIntervalSeconds === undefined ? {} : { rotationIntervalSeconds }),
  };
}

function checkValue(
  given: { key: string; value: string },
  problemOf: (value: string) => string | undefined,
  fix: string,
): void {
  const problem = problemOf(given.value);
  if (problem) throw new OptionError(given.key, `${quote(given.value)} ${problem}; ${fix}`);
}

function parseCloudName(value: string): CloudName {
  if (value === "") return DEFAULT_CLOUD;
  const cloud = CLOUD_NAMES.find((name) => name.toLowerCase() === value.toLowerCase());
  if (!cloud) {
    throw new OptionError(KEY.cloudName, `${quote(value)} is not a known cloud; use one of ${CLOUD_NAMES.join(", ")}`);
  }
  return cloud;
}

const MAX_GROUP_ID = 2147483647; // what Kubernetes allows for fsGroup
const DEFAULT_MOUNT_TIMEOUT_SECONDS = 60;

/** The pod's fsGroup; newer kubelets pass it as mounterArgs.FsGroup, older ones as fsGroup. */
function parseFsGroup(options: RawOptions): number | undefined {
  const given = firstGiven(options, [KEY.fsGroup, KEY.legacyFsGroup]);
  if (given.value === "") return undefined;
  return wholeNumber(given.key, given.value, { min: 0, max: MAX_GROUP_ID, noun: "a group id" });
}

/** kubelet waits for mount without a timeout of its own: the driver must give up by itself. */
function parseMountTimeout(options: RawOptions): number {
  const value = optionValue(options, KEY.mountTimeout);
  if (value === "") return DEFAULT_MOUNT_TIMEOUT_SECONDS;
  return wholeNumber(KEY.mountTimeout, value, {
    min: 1,
    max: 3600,
    noun: "a number of seconds",
    hint: ` (default ${DEFAULT_MOUNT_TIMEOUT_SECONDS})`,
  });
}
