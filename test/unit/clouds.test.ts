import {
  parseEnvironmentFile,
  resolveCloud,
  vaultUrl,
  WELL_KNOWN_CLOUDS,
  type CloudEnvironment,
} from "../../src/clouds";
import { CLOUD_NAMES } from "../../src/model/cloudName";
import { optionErrorOf } from "./optionErrorOf";

const PATH = "/etc/kubernetes/azurestackcloud.json";

// The shape go-autorest writes (azure.Environment), trimmed to a few of its fields.
const STACK_FILE = {
  name: "AzureStackCloud",
  managementPortalURL: "https://portal.local.azurestack.external/",
  resourceManagerEndpoint: "https://management.local.azurestack.external/",
  activeDirectoryEndpoint: "https://adfs.local.azurestack.external/adfs",
  keyVaultEndpoint: "https://vault.local.azurestack.external/",
  keyVaultDNSSuffix: "vault.local.azurestack.external",
  resourceIdentifiers: { keyVault: "https://vault.local.azurestack.external" },
};

const STACK_CLOUD: CloudEnvironment = {
  name: "AzureStackCloud",
  activeDirectoryEndpoint: "https://adfs.local.azurestack.external/adfs/",
  keyVaultDNSSuffix: "vault.local.azurestack.external",
  keyVaultResource: "https://vault.local.azurestack.external",
};

function stackFile(changes: Record<string, unknown>): string {
  const merged: Record<string, unknown> = { ...STACK_FILE, ...changes };
  for (const [key, value] of Object.entries(changes)) if (value === undefined) delete merged[key];
  return JSON.stringify(merged);
}

describe("well-known clouds", () => {
  test.each<[keyof typeof WELL_KNOWN_CLOUDS, string, string]>([
    ["AzurePublicCloud", "https://login.microsoftonline.com/", "vault.azure.net"],
    ["AzureChinaCloud", "https://login.chinacloudapi.cn/", "vault.azure.cn"],
    ["AzureUSGovernmentCloud", "https://login.microsoftonline.us/", "vault.usgovcloudapi.net"],
    ["AzureGermanCloud", "https://login.microsoftonline.de/", "vault.microsoftazure.de"],
  ])("%s", (name, authority, suffix) => {
    expect(WELL_KNOWN_CLOUDS[name]).toEqual({
      name,
      activeDirectoryEndpoint: authority,
      keyVaultDNSSuffix: suffix,
      keyVaultResource: `https://${suffix}`,
    });
  });

  test("CLOUD_NAMES lists the contract's five names in its order", () => {
    expect(CLOUD_NAMES).toEqual([
      "AzurePublicCloud",
      "AzureChinaCloud",
      "AzureUSGovernmentCloud",
      "AzureGermanCloud",
      "AzureStackCloud",
    ]);
  });

  test("every name but AzureStackCloud (read from a file) has its endpoints, in the same order", () => {
    expect([...Object.keys(WELL_KNOWN_CLOUDS), "AzureStackCloud"]).toEqual(CLOUD_NAMES);
  });
});

describe("vaultUrl", () => {
  test.each<[string, string]>([
    ["AzurePublicCloud", "https://myvault.vault.azure.net"],
    ["AzureChinaCloud", "https://myvault.vault.azure.cn"],
  ])("in %s", (cloud, url) => {
    expect(vaultUrl({ vaultName: "myvault" }, WELL_KNOWN_CLOUDS[cloud as keyof typeof WELL_KNOWN_CLOUDS])).toBe(url);
  });

  test("in a cloud from an environment file", () => {
    expect(vaultUrl({ vaultName: "kv1" }, STACK_CLOUD)).toBe("https://kv1.vault.local.azurestack.external");
  });
});

describe("parseEnvironmentFile", () => {
  test("reads go-autorest's fields; authority gets one trailing '/', the resource none", () => {
    expect(parseEnvironmentFile(JSON.stringify(STACK_FILE), PATH)).toEqual(STACK_CLOUD);
  });

  test.each<[string, Record<string, unknown>, Partial<CloudEnvironment>]>([
    [
      "field names in any letter case (as Go's json.Unmarshal)",
      {
        activeDirectoryEndpoint: undefined,
        ActiveDirectoryEndpoint: "https://login.example/",
        keyVaultDNSSuffix: undefined,
        KEYVAULTDNSSUFFIX: "vault.example",
      },
      { activeDirectoryEndpoint: "https://login.example/", keyVaultDNSSuffix: "vault.example" },
    ],
    ["no name field", { name: undefined }, { name: "AzureStackCloud" }],
    [
      "another name field, named AzureStackCloud still (callers test the name)",
      { name: "MyStack" },
      { name: "AzureStackCloud" },
    ],
    [
      "a key vault endpoint without a trailing '/'",
      { keyVaultEndpoint: "https://vault.example" },
      { keyVaultResource: "https://vault.example" },
    ],
    [
      "an authority that already ends in '/'",
      { activeDirectoryEndpoint: "https://login.example/tenantless/" },
      { activeDirectoryEndpoint: "https://login.example/tenantless/" },
    ],
    [
      "a DNS suffix with a port (local stand-ins)",
      { keyVaultDNSSuffix: "vault.localtest.me:8443" },
      { keyVaultDNSSuffix: "vault.localtest.me:8443" },
    ],
  ])("accepts %s", (_title, changes, expected) => {
    expect(parseEnvironmentFile(stackFile(changes), PATH)).toMatchObject(expected);
  });

  test.each<[string, string, string[]]>([
    ["malformed JSON", "{name:", ["not valid JSON"]],
    ["a JSON array", "[]", ["JSON object", "got an array"]],
    [
      "no activeDirectoryEndpoint",
      stackFile({ activeDirectoryEndpoint: undefined }),
      ['"activeDirectoryEndpoint"', "add it"],
    ],
    ["an empty keyVaultDNSSuffix", stackFile({ keyVaultDNSSuffix: "" }), ['"keyVaultDNSSuffix"', "add it"]],
    ["no keyVaultEndpoint", stackFile({ keyVaultEndpoint: undefined }), ['"keyVaultEndpoint"']],
    [
      "a non-string field",
      stackFile({ keyVaultDNSSuffix: 5 }),
      ['"keyVaultDNSSuffix" must be a string', "got a number"],
    ],
    [
      "an http authority",
      stackFile({ activeDirectoryEndpoint: "http://adfs.example/adfs" }),
      ['"activeDirectoryEndpoint" must be an https URL'],
    ],
    [
      "an authority that is no URL",
      stackFile({ activeDirectoryEndpoint: "adfs.example" }),
      ['"activeDirectoryEndpoint" must be an https URL'],
    ],
    [
      "an http key vault endpoint",
      stackFile({ keyVaultEndpoint: "http://vault.example/" }),
      ['"keyVaultEndpoint" must be an https URL'],
    ],
    [
      "a DNS suffix with a path",
      stackFile({ keyVaultDNSSuffix: "vault.example/evil" }),
      ['"keyVaultDNSSuffix" must be a DNS suffix'],
    ],
    [
      "a DNS suffix with user info",
      stackFile({ keyVaultDNSSuffix: "evil.com@vault.example" }),
      ['"keyVaultDNSSuffix" must be a DNS suffix'],
    ],
    [
      "a DNS suffix with a leading dot",
      stackFile({ keyVaultDNSSuffix: ".vault.example" }),
      ['"keyVaultDNSSuffix" must be a DNS suffix'],
    ],
  ])("refuses %s, naming the file", (_title, json, fragments) => {
    const error = optionErrorOf(() => parseEnvironmentFile(json, PATH));
    expect(error.option).toBe("cloudname");
    expect(error.problem).toContain(PATH);
    for (const fragment of fragments) expect(error.problem).toContain(fragment);
  });
});

describe("resolveCloud", () => {
  const unreadable = (path: string): string => {
    throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: "ENOENT" });
  };

  test.each(Object.keys(WELL_KNOWN_CLOUDS) as (keyof typeof WELL_KNOWN_CLOUDS)[])(
    "%s from data, reading no file even when the variable is set",
    (name) => {
      const readFile = jest.fn(unreadable);
      expect(resolveCloud(name, { AZURE_ENVIRONMENT_FILEPATH: PATH }, readFile)).toBe(WELL_KNOWN_CLOUDS[name]);
      expect(readFile).not.toHaveBeenCalled();
    },
  );

  test("AzureStackCloud from the file named by AZURE_ENVIRONMENT_FILEPATH", () => {
    const readFile = jest.fn((_path: string) => JSON.stringify(STACK_FILE));
    expect(resolveCloud("AzureStackCloud", { AZURE_ENVIRONMENT_FILEPATH: PATH }, readFile)).toEqual(STACK_CLOUD);
    expect(readFile).toHaveBeenCalledWith(PATH);
  });

  test.each<[string, NodeJS.ProcessEnv, (path: string) => string, string[]]>([
    ["the variable unset", {}, unreadable, ["AZURE_ENVIRONMENT_FILEPATH", "not set"]],
    ["the variable empty", { AZURE_ENVIRONMENT_FILEPATH: "" }, unreadable, ["AZURE_ENVIRONMENT_FILEPATH", "not set"]],
    ["the file unreadable", { AZURE_ENVIRONMENT_FILEPATH: PATH }, unreadable, [PATH, "cannot be read", "ENOENT"]],
    ["the file invalid", { AZURE_ENVIRONMENT_FILEPATH: PATH }, () => "{}", [PATH, '"activeDirectoryEndpoint"']],
  ])("refuses AzureStackCloud with %s", (_title, env, readFile, fragments) => {
    const error = optionErrorOf(() => resolveCloud("AzureStackCloud", env, readFile));
    expect(error.option).toBe("cloudname");
    for (const fragment of fragments) expect(error.problem).toContain(fragment);
  });
});
