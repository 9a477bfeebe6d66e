// From kubelet's mount argument to validated VolumeOptions. Pure: no I/O, no environment.
// Checks run in a fixed order (required keys first) and the first problem is thrown as an OptionError
// that names the option, says what is wrong and how to fix it.

import { CLOUD_NAMES, type CloudName } from "../model/cloudName";
import { OptionError } from "../errors";
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

export function parseVolumeOptions(raw: unknown): VolumeOptions {
  const options = indexOptions(raw);
  const required = (which: keyof typeof REQUIRED) => {
    const given = firstGiven(options, REQUIRED[which].keys);
    if (given.value === "") throw new OptionError(given.key, `is required: ${REQUIRED[which].example}`);
    return given;
  };
  const vaultName = required("vaultName");
  const objectNames = required("objectNames");
  const objectTypes = required("objectTypes");
  // With workload identity, the service account's annotation may name the tenant instead.
  const tenantId = parseFlag(options, KEY.useWorkloadIdentity)
    ? firstGiven(options, REQUIRED.tenantId.keys)
    : required("tenantId");

  checkValue(vaultName, vaultNameProblem, "use the vault's name as the Azure portal shows it");
  const { objects, envFile } = parseEnvFile(options, objectNames.key, parseObjects(options, objectNames, objectTypes));
  if (tenantId.value !== "")
    checkValue(tenantId, tenantIdProblem, "copy the directory (tenant) id from the Azure portal");

  const cloudName = parseCloudName(optionValue(options, KEY.cloudName));
  const identity = parseIdentity(options);
  const fsGroup = parseFsGroup(options);
  const fileMode = parseFileMode(options, fsGroup);
  const mountTimeoutSeconds = parseMountTimeout(options);
  const rotationIntervalSeconds = parseRotation(options, objects, envFile);
  return {
    vaultName: vaultName.value,
    ...(tenantId.value === "" ? {} : { tenantId: tenantId.value }),
    cloudName,
    identity,
    objects,
    fileMode,
    mountTimeoutSeconds,
    ...(fsGroup === undefined ? {} : { fsGroup }),
    ...(envFile === undefined ? {} : { envFile }),
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
