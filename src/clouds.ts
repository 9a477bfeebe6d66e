// The Azure clouds a vault can live in: where to get tokens and how vault URLs are spelled.

import { OptionError } from "./errors";
import type { CloudName } from "./model/cloudName";
import type { VolumeOptions } from "./model/volumeOptions";
import { isJsonObject, jsonKind, jsonSyntaxProblem } from "./text/json";

export interface CloudEnvironment {
  /** The `cloudname` it was resolved from: a file's own `name` field is not used, so this is always one of the five. */
  name: CloudName;
  /** Authority host for AAD tokens, always with one trailing '/', e.g. `https://login.microsoftonline.com/`. */
  activeDirectoryEndpoint: string;
  /** Vault host suffix, e.g. `vault.azure.net`: the vault is `https://<vault>.<suffix>`. */
  keyVaultDNSSuffix: string;
  /** Token audience for Key Vault, no trailing '/', e.g. `https://vault.azure.net` (scope: `<resource>/.default`). */
  keyVaultResource: string;
}

type WellKnownCloudName = Exclude<CloudName, "AzureStackCloud">;

function wellKnown(name: WellKnownCloudName, loginHost: string, vaultSuffix: string): CloudEnvironment {
  return {
    name,
    activeDirectoryEndpoint: `https://${loginHost}/`,
    keyVaultDNSSuffix: vaultSuffix,
    keyVaultResource: `https://${vaultSuffix}`,
  };
}

/** The clouds whose endpoints are fixed (go-autorest's azure/environments.go). */
export const WELL_KNOWN_CLOUDS: Readonly<Record<WellKnownCloudName, CloudEnvironment>> = {
  AzurePublicCloud: wellKnown("AzurePublicCloud", "login.microsoftonline.com", "vault.azure.net"),
  AzureChinaCloud: wellKnown("AzureChinaCloud", "login.chinacloudapi.cn", "vault.azure.cn"),
  AzureUSGovernmentCloud: wellKnown("AzureUSGovernmentCloud", "login.microsoftonline.us", "vault.usgovcloudapi.net"),
  AzureGermanCloud: wellKnown("AzureGermanCloud", "login.microsoftonline.de", "vault.microsoftazure.de"),
};

const ENVIRONMENT_FILE_VARIABLE = "AZURE_ENVIRONMENT_FILEPATH";

/** `https://<vaultName>.<keyVaultDNSSuffix>` */
export function vaultUrl(
  options: Pick<VolumeOptions, "vaultName">,
  cloud: Pick<CloudEnvironment, "keyVaultDNSSuffix">,
): string {
  return `https://${options.vaultName}.${cloud.keyVaultDNSSuffix}`;
}

/** The cloud for `name`; AzureStackCloud is read from the file named by AZURE_ENVIRONMENT_FILEPATH. */
export function resolveCloud(
  name: CloudName,
  env: NodeJS.ProcessEnv,
  readFile: (path: string) => string,
): CloudEnvironment {
  if (name !== "AzureStackCloud") return WELL_KNOWN_CLOUDS[name];
  const path = env[ENVIRONMENT_FILE_VARIABLE] ?? "";
  if (path === "") {
    throw new OptionError(
      "cloudname",
      `is AzureStackCloud, which reads its endpoints from the JSON file named by ${ENVIRONMENT_FILE_VARIABLE}, ` +
        "but that variable is not set; set it in kubelet's environment (the driver inherits it)",
    );
  }
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new OptionError(
      "cloudname",
      `is AzureStackCloud, but the environment file ${path} (${ENVIRONMENT_FILE_VARIABLE}) ` +
        `cannot be read: ${reason}; make it readable by kubelet on this node`,
    );
  }
  return parseEnvironmentFile(text, path);
}

/**
 * A cloud described by a go-autorest environment file (the JSON form of its `azure.Environment`).
 * Fields are matched case-insensitively, as Go's json.Unmarshal does. Like the Go driver, the token
 * audience is `keyVaultEndpoint` without its trailing '/'. The file's `name` is informational and ignored.
 */
export function parseEnvironmentFile(json: string, path: string): CloudEnvironment {
  const fail = (problem: string) =>
    new OptionError("cloudname", `is AzureStackCloud, but the environment file ${path} ${problem}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw fail(jsonSyntaxProblem(error));
  }
  if (!isJsonObject(parsed)) throw fail(`must hold a JSON object, got ${jsonKind(parsed)}`);

  const fields = new Map(Object.entries(parsed).map(([key, value]) => [key.toLowerCase(), value]));
  const field = (name: string): string => {
    const value = fields.get(name.toLowerCase());
    if (value === undefined || value === "") {
      throw fail(`has no "${name}" field; add it (see go-autorest's azure.Environment)`);
    }
    if (typeof value !== "string") throw fail(`field "${name}" must be a string, got ${jsonKind(value)}`);
    return value.trim();
  };
  const httpsUrl = (name: string): URL => {
    const value = field(name);
    const url = URL.canParse(value) ? new URL(value) : undefined;
    if (url?.protocol !== "https:" || url.hostname === "") {
      throw fail(`field "${name}" must be an https URL, e.g. "https://host.example/"`);
    }
    return url;
  };

  const activeDirectoryEndpoint = httpsUrl("activeDirectoryEndpoint").href.replace(/\/*$/, "/");
  const keyVaultResource = httpsUrl("keyVaultEndpoint").href.replace(/\/+$/, "");
  const keyVaultDNSSuffix = field("keyVaultDNSSuffix");
  // A host name (a port is allowed for local stand-ins); anything else would change the vault URL's meaning.
  if (!/^[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*(:[0-9]{1,5})?$/.test(keyVaultDNSSuffix)) {
    throw fail(`field "keyVaultDNSSuffix" must be a DNS suffix such as "vault.local.azurestack.external"`);
  }
  return { name: "AzureStackCloud", activeDirectoryEndpoint, keyVaultDNSSuffix, keyVaultResource };
}
