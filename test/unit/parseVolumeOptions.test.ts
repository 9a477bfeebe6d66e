import type { Identity } from "../../src/model/identity";
import type { ObjectSpec, ObjectType } from "../../src/model/objectSpec";
import type { VolumeOptions } from "../../src/model/volumeOptions";
import { checkVolumeOptions, parseMountArgument, parseVolumeOptions } from "../../src/options/parseVolumeOptions";
import { optionErrorOf } from "./optionErrorOf";

const base64 = (text: string | Buffer) => Buffer.from(text).toString("base64");

// Distinctive, so any echo of it (raw or encoded) is caught.
const CLIENT_SECRET = "Zq8~xK2.vN5-secretValue_7Jp";
const CLIENT_ID = "00000000-1111-2222-3333-444444444444";

const SECRET_REF = {
  "kubernetes.io/secret/clientid": base64(CLIENT_ID),
  "kubernetes.io/secret/clientsecret": base64(CLIENT_SECRET),
};
const POD = { "kubernetes.io/pod.name": "web-0", "kubernetes.io/pod.namespace": "shop" };

/** A valid service-principal mount, as kubelet would pass it, with `changes` applied (undefined deletes a key). */
function options(changes: Record<string, unknown> = {}): Record<string, unknown> {
  const merged: Record<string, unknown> = {
    keyvaultname: "myvault",
    keyvaultobjectnames: "db-password;tls",
    keyvaultobjecttypes: "secret;cert",
    tenantid: "72f988bf-86f1-41af-91ab-2d7cd011db47",
    "kubernetes.io/fsType": "",
    "kubernetes.io/readwrite": "rw",
    "kubernetes.io/pod.uid": "5f3c",
    ...SECRET_REF,
    ...POD,
    ...changes,
  };
  for (const [key, value] of Object.entries(changes)) if (value === undefined) delete merged[key];
  return merged;
}

const servicePrincipal: Identity = { kind: "servicePrincipal", clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };

describe("parseVolumeOptions accepts", () => {
  test("a minimal service-principal mount, with defaults filled in", () => {
    const expected: VolumeOptions = {
      vaultName: "myvault",
      tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
      cloudName: "AzurePublicCloud",
      identity: servicePrincipal,
      objects: [
        {
          type: "secret",
          name: "db-password",
          fileName: "db-password",
          version: "",
          format: "default",
          encoding: "utf-8",
        },
        { type: "cert", name: "tls", fileName: "tls", version: "", format: "default", encoding: "utf-8" },
      ],
      fileMode: 0o644,
      mountTimeoutSeconds: 60,
    };
    expect(parseVolumeOptions(options())).toEqual(expected);
  });

  const objects = (...specs: [ObjectType, string, string, string, Partial<ObjectSpec>?][]): ObjectSpec[] =>
    specs.map(([type, name, fileName, version, output]) => ({
      type,
      name,
      fileName,
      version,
      format: "default",
      encoding: "utf-8",
      ...output,
    }));

  test.each<[string, Record<string, unknown>, Partial<VolumeOptions>]>([
    [
      "keys in any letter case",
      {
        keyvaultname: undefined,
        KeyVaultName: "other-vault",
        keyvaultobjectnames: undefined,
        keyVaultObjectNames: "a",
        keyvaultobjecttypes: undefined,
        KEYVAULTOBJECTTYPES: "key",
        tenantid: undefined,
        tenantId: "contoso.onmicrosoft.com",
        CloudName: "AzureChinaCloud",
      },
      {
        vaultName: "other-vault",
        tenantId: "contoso.onmicrosoft.com",
        cloudName: "AzureChinaCloud",
        objects: objects(["key", "a", "a", ""]),
      },
    ],
    ["one key twice in different case with the same value", { KEYVAULTNAME: "myvault" }, { vaultName: "myvault" }],
    [
      "values with surrounding whitespace",
      { keyvaultname: " myvault\n", tenantid: "\tt-1 " },
      { vaultName: "myvault", tenantId: "t-1" },
    ],
    [
      "legacy singular keys when the plural ones are absent",
      {
        keyvaultobjectnames: undefined,
        keyvaultobjecttypes: undefined,
        keyvaultobjectname: "one",
        keyvaultobjecttype: "secret",
        keyvaultobjectversion: "0123456789abcdef0123456789abcdef",
      },
      { objects: objects(["secret", "one", "one", "0123456789abcdef0123456789abcdef"]) },
    ],
    [
      "legacy singular keys when the plural ones are empty",
      { keyvaultobjectnames: "", keyvaultobjecttypes: " ", keyvaultobjectname: "one", keyvaultobjecttype: "key" },
      { objects: objects(["key", "one", "one", ""]) },
    ],
    [
      "the legacy version key next to plural names",
      { keyvaultobjectnames: "a", keyvaultobjecttypes: "secret", keyvaultobjectversion: "v7" },
      { objects: objects(["secret", "a", "a", "v7"]) },
    ],
    [
      "plural keys over legacy singular ones",
      {
        keyvaultobjectname: "ignored",
        keyvaultobjecttype: "bogus",
        keyvaultobjectversions: ";",
        keyvaultobjectversion: "%%",
      },
      { objects: objects(["secret", "db-password", "db-password", ""], ["cert", "tls", "tls", ""]) },
    ],
    [
      "resourcegroup, subscriptionid and unknown keys of any kind, ignored",
      { resourcegroup: "rg", subscriptionid: "sub", somethingElse: 42, nested: { a: 1 }, nothing: null },
      { vaultName: "myvault" },
    ],
    [
      "types in any letter case, normalised",
      { keyvaultobjecttypes: "SECRET;Cert" },
      { objects: objects(["secret", "db-password", "db-password", ""], ["cert", "tls", "tls", ""]) },
    ],
    [
      "aliases as file names",
      {
        keyvaultobjectnames: "a;b;c",
        keyvaultobjecttypes: "secret;key;cert",
        keyvaultobjectaliases: "a.txt;b;tls.crt",
      },
      { objects: objects(["secret", "a", "a.txt", ""], ["key", "b", "b", ""], ["cert", "c", "tls.crt", ""]) },
    ],
    [
      "versions, an empty entry meaning latest",
      { keyvaultobjectversions: ";0123456789abcdef0123456789ABCDEF" },
      {
        objects: objects(
          ["secret", "db-password", "db-password", ""],
          ["cert", "tls", "tls", "0123456789abcdef0123456789ABCDEF"],
        ),
      },
    ],
    [
      "a trailing ';' on every list",
      {
        keyvaultobjectnames: "db-password;tls;",
        keyvaultobjecttypes: "secret;cert;",
        keyvaultobjectaliases: "p;t;",
        keyvaultobjectversions: "v1;v2;",
      },
      { objects: objects(["secret", "db-password", "p", "v1"], ["cert", "tls", "t", "v2"]) },
    ],
    [
      "a trailing ';' on versions as the empty last entry when it is needed as one",
      { keyvaultobjectversions: "v1;" },
      { objects: objects(["secret", "db-password", "db-password", "v1"], ["cert", "tls", "tls", ""]) },
    ],
    [
      "whitespace around list entries",
      { keyvaultobjectnames: " a ; b ", keyvaultobjecttypes: "secret ; key", keyvaultobjectaliases: " x ;\ty" },
      { objects: objects(["secret", "a", "x", ""], ["key", "b", "y", ""]) },
    ],
    [
      "the same object twice under different aliases",
      { keyvaultobjectnames: "a;a", keyvaultobjecttypes: "secret;secret", keyvaultobjectaliases: "one;two" },
      { objects: objects(["secret", "a", "one", ""], ["secret", "a", "two", ""]) },
    ],
    ["a 3-character vault name", { keyvaultname: "a-1" }, { vaultName: "a-1" }],
    [
      "a 24-character vault name",
      { keyvaultname: "a23456789012345678901234" },
      { vaultName: "a23456789012345678901234" },
    ],
    [
      "a 127-character object name",
      { keyvaultobjectnames: "n".repeat(127), keyvaultobjecttypes: "secret" },
      { objects: objects(["secret", "n".repeat(127), "n".repeat(127), ""]) },
    ],
    ["cloudname in any letter case", { cloudname: "azureusgovernmentcloud" }, { cloudName: "AzureUSGovernmentCloud" }],
    ["cloudname AzureStackCloud", { cloudname: "AzureStackCloud" }, { cloudName: "AzureStackCloud" }],
    ["an empty cloudname as the public cloud", { cloudname: "" }, { cloudName: "AzurePublicCloud" }],
    [
      "pod identity with NMI's default port",
      { usepodidentity: "true" },
      { identity: { kind: "podIdentity", nmiPort: 2579, podName: "web-0", podNamespace: "shop" } },
    ],
    [
      "pod identity with another NMI port, flag in any letter case",
      { usepodidentity: "True", nmiport: "65535", usevmmanagedidentity: "FALSE" },
      { identity: { kind: "podIdentity", nmiPort: 65535, podName: "web-0", podNamespace: "shop" } },
    ],
    [
      "the system-assigned managed identity",
      { usevmmanagedidentity: "TRUE", vmmanagedidentityclientid: "" },
      { identity: { kind: "managedIdentity" } },
    ],
    [
      "a user-assigned managed identity, without any secretRef",
      {
        usevmmanagedidentity: "true",
        vmmanagedidentityclientid: CLIENT_ID,
        ...{ "kubernetes.io/secret/clientid": undefined, "kubernetes.io/secret/clientsecret": undefined },
      },
      { identity: { kind: "managedIdentity", clientId: CLIENT_ID } },
    ],
    [
      'both flags "false": the service principal',
      { usepodidentity: "false", usevmmanagedidentity: "false" },
      { identity: servicePrincipal },
    ],
    [
      "secretRef base64 with whitespace and newlines inside",
      { "kubernetes.io/secret/clientsecret": base64(CLIENT_SECRET).replace(/(.{4})/g, "$1\n ") },
      { identity: servicePrincipal },
    ],
    [
      "secretRef values made with echo (trailing newline), or on Windows (CRLF), without the line break",
      {
        "kubernetes.io/secret/clientid": base64(`${CLIENT_ID}\n`),
        "kubernetes.io/secret/clientsecret": base64(`${CLIENT_SECRET}\r\n`),
      },
      { identity: servicePrincipal },
    ],
    [
      "secretRef values keeping leading and inner whitespace (only trailing line breaks go)",
      { "kubernetes.io/secret/clientsecret": base64(` a b\t\n`) },
      { identity: { kind: "servicePrincipal", clientId: CLIENT_ID, clientSecret: " a b\t" } },
    ],
    [
      "a client id with spaces around it, in capitals",
      { "kubernetes.io/secret/clientid": base64(` ${CLIENT_ID.toUpperCase()}\t`) },
      { identity: { kind: "servicePrincipal", clientId: CLIENT_ID.toUpperCase(), clientSecret: CLIENT_SECRET } },
    ],
    [
      "an application id URI as client id",
      { "kubernetes.io/secret/clientid": base64("api://contoso-app") },
      { identity: { kind: "servicePrincipal", clientId: "api://contoso-app", clientSecret: CLIENT_SECRET } },
    ],
    ["fsGroup from mounterArgs", { "kubernetes.io/mounterArgs.FsGroup": "2000" }, { fsGroup: 2000 }],
    ["fsGroup from an older kubelet", { "kubernetes.io/fsGroup": "0" }, { fsGroup: 0 }],
    [
      "mounterArgs.FsGroup over the older key",
      { "kubernetes.io/mounterArgs.FsGroup": "7", "kubernetes.io/fsGroup": "8" },
      { fsGroup: 7 },
    ],
    ["a mount deadline in seconds", { mounttimeout: "5" }, { mountTimeoutSeconds: 5 }],
    // formats and encodings
    [
      "every format that fits its type, in any letter case",
      {
        keyvaultobjectnames: "s;k;c;p",
        keyvaultobjecttypes: "secret;key;cert;secret",
        keyvaultobjectformats: "PEM;pem;Pem;pfx",
      },
      {
        objects: objects(
          ["secret", "s", "s", "", { format: "pem" }],
          ["key", "k", "k", "", { format: "pem" }],
          ["cert", "c", "c", "", { format: "pem" }],
          ["secret", "p", "p", "", { format: "pfx" }],
        ),
      },
    ],
    [
      "formats, an empty entry keeping the default, with a trailing ';'",
      { keyvaultobjectformats: ";pem;" },
      { objects: objects(["secret", "db-password", "db-password", ""], ["cert", "tls", "tls", "", { format: "pem" }]) },
    ],
    [
      "encodings for secrets, empty and utf-8 entries as the default for any type",
      {
        keyvaultobjectnames: "a;b;c;d;e",
        keyvaultobjecttypes: "secret;secret;secret;key;cert",
        keyvaultobjectencodings: "base64;HEX;;utf-8; UTF-8 ",
      },
      {
        objects: objects(
          ["secret", "a", "a", "", { encoding: "base64" }],
          ["secret", "b", "b", "", { encoding: "hex" }],
          ["secret", "c", "c", ""],
          ["key", "d", "d", ""],
          ["cert", "e", "e", ""],
        ),
      },
    ],
    [
      "a format next to the default encoding",
      { keyvaultobjectformats: "pfx;", keyvaultobjectencodings: "utf-8;" },
      { objects: objects(["secret", "db-password", "db-password", "", { format: "pfx" }], ["cert", "tls", "tls", ""]) },
    ],
    // file modes
    ["filepermission with a leading 0", { filepermission: "0640" }, { fileMode: 0o640 }],
    ["filepermission as three digits", { filepermission: "400" }, { fileMode: 0o400 }],
    ["filepermission with a 0o prefix", { filepermission: "0o755" }, { fileMode: 0o755 }],
    ["an empty filepermission as 0644", { filepermission: "" }, { fileMode: 0o644 }],
    [
      "filepermission made group-readable for the pod's fsGroup",
      { filepermission: "0600", "kubernetes.io/mounterArgs.FsGroup": "2000" },
      { fileMode: 0o640, fsGroup: 2000 },
    ],
    [
      "an owner-only filepermission made group-readable for an older kubelet's fsGroup",
      { filepermission: "0400", "kubernetes.io/fsGroup": "3000" },
      { fileMode: 0o440 },
    ],
    [
      "the default mode with an fsGroup (already group-readable)",
      { "kubernetes.io/mounterArgs.FsGroup": "2000" },
      { fileMode: 0o644 },
    ],
    ["filepermission kept as given without an fsGroup", { filepermission: "0600" }, { fileMode: 0o600 }],
  ])("%s", (_title, changes, expected) => {
    expect(parseVolumeOptions(options(changes))).toMatchObject(expected);
  });

  test("a key whose value is undefined (objects built in code) as absent", () => {
    expect(parseVolumeOptions({ ...options(), cloudname: undefined }).cloudName).toBe("AzurePublicCloud");
  });

  test("no fsGroup when kubelet passes none", () => {
    expect(parseVolumeOptions(options())).not.toHaveProperty("fsGroup");
  });
});

const FORMATS_BY_TYPE = "formats by type: secret: pem or pfx (for a certificate's backing secret), key: pem, cert: pem";

// Each: what is wrong, the changes that make it so, the option the error must name, fragments its problem must hold.
const BAD_OPTIONS: [string, Record<string, unknown>, string, string[]][] = [
  // required keys, checked first and in order
  [
    "nothing at all",
    { ...Object.fromEntries(Object.keys(options()).map((key) => [key, undefined])) },
    "keyvaultname",
    ["is required"],
  ],
  ["no vault name", { keyvaultname: undefined }, "keyvaultname", ["is required", "myvault"]],
  ["an empty vault name", { keyvaultname: "  " }, "keyvaultname", ["is required"]],
  ["no object names", { keyvaultobjectnames: undefined }, "keyvaultobjectnames", ["is required", "keyvaultobjectname"]],
  ["no object types", { keyvaultobjecttypes: "" }, "keyvaultobjecttypes", ["is required", "secret, key or cert"]],
  ["no tenant", { tenantid: undefined }, "tenantid", ["is required", "tenant"]],
  ["a missing tenant before a bad vault name", { tenantid: undefined, keyvaultname: "x" }, "tenantid", ["is required"]],
  // values must be strings
  ["a number", { keyvaultname: 42 }, "keyvaultname", ["must be a string", "got a number", "quote"]],
  ["a boolean flag", { usepodidentity: true }, "usepodidentity", ["must be a string", "got a boolean"]],
  ["null", { tenantid: null }, "tenantid", ["must be a string", "got null"]],
  [
    "a non-string secretRef value",
    { "kubernetes.io/secret/clientsecret": [CLIENT_SECRET] },
    "kubernetes.io/secret/clientsecret",
    ["must be a string", "got an array"],
  ],
  [
    "one key twice in different case with different values",
    { KeyVaultName: "othervault" },
    "keyvaultname",
    ["2 times", "KeyVaultName", "keep one"],
  ],
  [
    "the client secret twice in different case",
    { "Kubernetes.io/Secret/ClientSecret": base64("other") },
    "kubernetes.io/secret/clientsecret",
    ["2 times", "keep one"],
  ],
  // vault name
  ["a 2-character vault name", { keyvaultname: "ab" }, "keyvaultname", ["3 to 24", "has 2"]],
  ["a 25-character vault name", { keyvaultname: "a".repeat(25) }, "keyvaultname", ["3 to 24", "has 25"]],
  [
    "a vault name with '_'",
    { keyvaultname: "my_vault" },
    "keyvaultname",
    ['"my_vault"', "letters, digits and hyphens"],
  ],
  [
    "a vault name with a dot after a valid start",
    { keyvaultname: "myvault.evil.com" },
    "keyvaultname",
    ["letters, digits and hyphens"],
  ],
  ["a vault name with a slash", { keyvaultname: "my/vault" }, "keyvaultname", ["letters, digits and hyphens"]],
  [
    "a vault name with an inner newline",
    { keyvaultname: "my\nvault" },
    "keyvaultname",
    ['"my\\nvault"', "letters, digits and hyphens"],
  ],
  ["a vault name starting with a digit", { keyvaultname: "1vault" }, "keyvaultname", ["start with a letter"]],
  ["a vault name starting with a hyphen", { keyvaultname: "-vault" }, "keyvaultname", ["start with a letter"]],
  ["a vault name ending with a hyphen", { keyvaultname: "vault-" }, "keyvaultname", ["end with a letter or a digit"]],
  ["a vault name with '--'", { keyvaultname: "my--vault" }, "keyvaultname", ["two hyphens"]],
  // object names
  [
    "an object name with '_'",
    { keyvaultobjectnames: "db_password;tls" },
    "keyvaultobjectnames",
    ["entry 1", '"db_password"', "127 letters, digits and hyphens"],
  ],
  [
    "an object name that is a path",
    { keyvaultobjectnames: "db-password;../tls" },
    "keyvaultobjectnames",
    ["entry 2", '"../tls"'],
  ],
  [
    "an object name with a valid start and a bad end",
    { keyvaultobjectnames: "tls;abc def" },
    "keyvaultobjectnames",
    ["entry 2"],
  ],
  [
    "a 128-character object name",
    { keyvaultobjectnames: "n".repeat(128), keyvaultobjecttypes: "secret" },
    "keyvaultobjectnames",
    ["entry 1", "1 to 127"],
  ],
  [
    "an empty name between two",
    { keyvaultobjectnames: "a;;b", keyvaultobjecttypes: "secret;secret;secret" },
    "keyvaultobjectnames",
    ["entry 2", "is empty"],
  ],
  ["only a separator as the names", { keyvaultobjectnames: ";" }, "keyvaultobjectnames", ["entry 1", "is empty"]],
  [
    "a bad legacy object name, named as the legacy key",
    { keyvaultobjectnames: undefined, keyvaultobjectname: "a b", keyvaultobjecttypes: "secret" },
    "keyvaultobjectname",
    ["entry 1"],
  ],
  // types
  [
    "fewer types than names",
    { keyvaultobjectnames: "a;b;c" },
    "keyvaultobjecttypes",
    ["has 2 entries but keyvaultobjectnames has 3", "one type per name", "';'"],
  ],
  [
    "more types than names",
    { keyvaultobjecttypes: "secret;cert;key" },
    "keyvaultobjecttypes",
    ["has 3 entries but keyvaultobjectnames has 2"],
  ],
  [
    "two trailing separators on types",
    { keyvaultobjecttypes: "secret;cert;;" },
    "keyvaultobjecttypes",
    ["has 4 entries"],
  ],
  [
    "legacy types counted against legacy names",
    {
      keyvaultobjectnames: undefined,
      keyvaultobjecttypes: undefined,
      keyvaultobjectname: "a",
      keyvaultobjecttype: "secret;key",
    },
    "keyvaultobjecttype",
    ["has 2 entries but keyvaultobjectname has 1"],
  ],
  [
    "an unknown type",
    { keyvaultobjecttypes: "secret;certificate" },
    "keyvaultobjecttypes",
    ["entry 2", '"certificate"', "secret, key, cert"],
  ],
  [
    "an empty type entry",
    { keyvaultobjecttypes: ";cert" },
    "keyvaultobjecttypes",
    ["entry 1", '""', "secret, key, cert"],
  ],
  // aliases
  [
    "fewer aliases than names",
    { keyvaultobjectaliases: "one" },
    "keyvaultobjectaliases",
    ["has 1 entry but keyvaultobjectnames has 2", "one alias per name"],
  ],
  [
    "more aliases than names",
    { keyvaultobjectaliases: "a;b;c" },
    "keyvaultobjectaliases",
    ["has 3 entries but keyvaultobjectnames has 2"],
  ],
  [
    "an alias '..'",
    { keyvaultobjectaliases: "p;.." },
    "keyvaultobjectaliases",
    ["entry 2", '".."', "directory", "plain file name"],
  ],
  ["an alias '.'", { keyvaultobjectaliases: ".;t" }, "keyvaultobjectaliases", ["entry 1", "directory"]],
  [
    "an alias escaping the volume",
    { keyvaultobjectaliases: "../../etc/passwd;t" },
    "keyvaultobjectaliases",
    ["entry 1", "path separator"],
  ],
  [
    "an alias with a subdirectory",
    { keyvaultobjectaliases: "p;certs/tls.crt" },
    "keyvaultobjectaliases",
    ["entry 2", "path separator"],
  ],
  ["an absolute alias", { keyvaultobjectaliases: "/p;t" }, "keyvaultobjectaliases", ["entry 1", "path separator"]],
  [
    "an alias with a backslash",
    { keyvaultobjectaliases: "p;certs\\tls.crt" },
    "keyvaultobjectaliases",
    ["entry 2", "path separator"],
  ],
  [
    "an alias with NUL",
    { keyvaultobjectaliases: "p\u0000x;t" },
    "keyvaultobjectaliases",
    ["entry 1", "control character"],
  ],
  [
    "an alias with an inner newline",
    { keyvaultobjectaliases: "p\nx;t" },
    "keyvaultobjectaliases",
    ["entry 1", "control character"],
  ],
  [
    "an alias longer than 255 bytes",
    { keyvaultobjectaliases: `p;${"é".repeat(128)}` },
    "keyvaultobjectaliases",
    ["entry 2", "255 bytes"],
  ],
  [
    "an empty alias",
    { keyvaultobjectaliases: "p;" + ";" },
    "keyvaultobjectaliases",
    ["entry 2", "is empty", "plain file name"],
  ],
  [
    "two equal aliases",
    { keyvaultobjectaliases: "same;same" },
    "keyvaultobjectaliases",
    ["secret/db-password (entry 1) and cert/tls (entry 2)", 'file "same"', "different alias"],
  ],
  [
    "one name twice without aliases",
    { keyvaultobjectnames: "a;b;a", keyvaultobjecttypes: "secret;secret;key" },
    "keyvaultobjectnames",
    ["secret/a (entry 1) and key/a (entry 3)", 'file "a"', "keyvaultobjectaliases"],
  ],
  // versions
  [
    "fewer versions than names",
    { keyvaultobjectnames: "a;b;c", keyvaultobjecttypes: "secret;secret;secret", keyvaultobjectversions: "v1" },
    "keyvaultobjectversions",
    ["has 1 entry but keyvaultobjectnames has 3", "one version per name", "latest"],
  ],
  [
    "more versions than names",
    { keyvaultobjectversions: "v1;v2;v3" },
    "keyvaultobjectversions",
    ["has 3 entries but keyvaultobjectnames has 2"],
  ],
  [
    "a version that is a path",
    { keyvaultobjectversions: ";../../keys/k" },
    "keyvaultobjectversions",
    ["entry 2", '"../../keys/k"', "32 hex digits"],
  ],
  ["a version with a query", { keyvaultobjectversions: "abc?x=1;" }, "keyvaultobjectversions", ["entry 1"]],
  [
    "a 65-character version",
    { keyvaultobjectversions: `${"a".repeat(65)};` },
    "keyvaultobjectversions",
    ["entry 1", "up to 64"],
  ],
  [
    "a bad legacy version, named as the legacy key",
    { keyvaultobjectnames: "a", keyvaultobjecttypes: "secret", keyvaultobjectversion: "v-1" },
    "keyvaultobjectversion",
    ["entry 1"],
  ],
  // tenant
  ["a tenant with a slash", { tenantid: "common/../x" }, "tenantid", ['"common/../x"', "GUID or domain name"]],
  ["a tenant with a space after a valid start", { tenantid: "contoso.com evil" }, "tenantid", ["GUID or domain name"]],
  ["a tenant longer than 256 characters", { tenantid: "t".repeat(257) }, "tenantid", ["GUID or domain name"]],
  // cloud
  [
    "an unknown cloud",
    { cloudname: "AzureCloud" },
    "cloudname",
    ['"AzureCloud"', "AzurePublicCloud, AzureChinaCloud, AzureUSGovernmentCloud, AzureGermanCloud, AzureStackCloud"],
  ],
  ["a cloud name with extra text", { cloudname: "AzurePublicCloudX" }, "cloudname", ["not a known cloud"]],
  // identity flags
  [
    "usepodidentity neither true nor false",
    { usepodidentity: "yes" },
    "usepodidentity",
    ['"yes"', '"true" or "false"'],
  ],
  [
    "usevmmanagedidentity neither true nor false",
    { usevmmanagedidentity: "1" },
    "usevmmanagedidentity",
    ['"true" or "false"'],
  ],
  [
    "both identity flags",
    { usepodidentity: "true", usevmmanagedidentity: "true" },
    "usepodidentity",
    ["usevmmanagedidentity", "only one"],
  ],
  // pod identity
  [
    "pod identity without the pod name",
    { usepodidentity: "true", "kubernetes.io/pod.name": undefined },
    "kubernetes.io/pod.name",
    ["missing", "kubelet normally passes"],
  ],
  [
    "pod identity without the pod namespace",
    { usepodidentity: "true", "kubernetes.io/pod.namespace": "" },
    "kubernetes.io/pod.namespace",
    ["missing", "kubelet normally passes"],
  ],
  [
    "pod identity with a pod name that would split an HTTP header",
    { usepodidentity: "true", "kubernetes.io/pod.name": "web\r\nX: y" },
    "kubernetes.io/pod.name",
    ["Kubernetes name"],
  ],
  ["NMI port 0", { usepodidentity: "true", nmiport: "0" }, "nmiport", ['"0"', "1 to 65535", "2579"]],
  ["NMI port 65536", { usepodidentity: "true", nmiport: "65536" }, "nmiport", ["1 to 65535"]],
  ["a negative NMI port", { usepodidentity: "true", nmiport: "-1" }, "nmiport", ["1 to 65535"]],
  ["a fractional NMI port", { usepodidentity: "true", nmiport: "80.5" }, "nmiport", ["1 to 65535"]],
  ["an NMI port with trailing text", { usepodidentity: "true", nmiport: "2579abc" }, "nmiport", ["1 to 65535"]],
  // deadline
  ["a zero mount timeout", { mounttimeout: "0" }, "mounttimeout", ['"0"', "1 to 3600", "default 60"]],
  ["a mount timeout with a unit", { mounttimeout: "30s" }, "mounttimeout", ['"30s"', "seconds"]],
  // managed identity
  [
    "a managed identity client id with a query",
    { usevmmanagedidentity: "true", vmmanagedidentityclientid: "id&resource=x" },
    "vmmanagedidentityclientid",
    ["client id", "system-assigned"],
  ],
  // service principal
  [
    "no secretRef at all",
    { "kubernetes.io/secret/clientid": undefined, "kubernetes.io/secret/clientsecret": undefined },
    "kubernetes.io/secret/clientid",
    ["missing", '"azure/kv"', "clientid and clientsecret", "secretRef"],
  ],
  [
    "a secretRef without clientsecret",
    { "kubernetes.io/secret/clientsecret": undefined },
    "kubernetes.io/secret/clientsecret",
    ["missing", '"azure/kv"', "secretRef"],
  ],
  [
    "a client secret that is not base64 (passed raw)",
    { "kubernetes.io/secret/clientsecret": CLIENT_SECRET },
    "kubernetes.io/secret/clientsecret",
    ["not base64"],
  ],
  [
    "a client secret with base64 followed by junk",
    { "kubernetes.io/secret/clientsecret": `${base64(CLIENT_SECRET)}!${CLIENT_SECRET}` },
    "kubernetes.io/secret/clientsecret",
    ["not base64"],
  ],
  [
    "a client secret with base64url characters",
    { "kubernetes.io/secret/clientsecret": "ab-_" },
    "kubernetes.io/secret/clientsecret",
    ["not base64"],
  ],
  [
    "a client secret with missing padding",
    { "kubernetes.io/secret/clientsecret": base64("abcd").replace(/=+$/, "") },
    "kubernetes.io/secret/clientsecret",
    ["not base64"],
  ],
  [
    "a client secret with stray padding bits",
    { "kubernetes.io/secret/clientsecret": "QR==" },
    "kubernetes.io/secret/clientsecret",
    ["not base64"],
  ],
  [
    "a client secret that is not UTF-8",
    { "kubernetes.io/secret/clientsecret": base64(Buffer.from([0xff, 0xfe, 0x41])) },
    "kubernetes.io/secret/clientsecret",
    ["UTF-8"],
  ],
  [
    "a client id that is not base64",
    { "kubernetes.io/secret/clientid": "not base64!" },
    "kubernetes.io/secret/clientid",
    ["not base64"],
  ],
  [
    "an empty client secret",
    { "kubernetes.io/secret/clientsecret": base64("\n") },
    "kubernetes.io/secret/clientsecret",
    ["is empty", '"azure/kv"'],
  ],
  [
    "an empty client id",
    { "kubernetes.io/secret/clientid": base64("\r\n") },
    "kubernetes.io/secret/clientid",
    ["is empty"],
  ],
  // The leak check below covers it: the client id is the client secret here.
  [
    "clientid and clientsecret swapped",
    { "kubernetes.io/secret/clientid": base64(CLIENT_SECRET), "kubernetes.io/secret/clientsecret": base64(CLIENT_ID) },
    "kubernetes.io/secret/clientid",
    ["not an application (client) id", "a GUID", "swapped"],
  ],
  [
    "a client id that is a name, not the application id",
    { "kubernetes.io/secret/clientid": base64("my-app") },
    "kubernetes.io/secret/clientid",
    ["not an application (client) id", "id URI"],
  ],
  // formats
  [
    "an unknown format",
    { keyvaultobjectformats: "jks;" },
    "keyvaultobjectformats",
    [
      "entry 1",
      '"jks"',
      'is not a format (asked for secret "db-password")',
      FORMATS_BY_TYPE,
      "leave the entry empty for the default",
    ],
  ],
  [
    "DER asked for by name",
    { keyvaultobjectformats: ";der" },
    "keyvaultobjectformats",
    ["entry 2", '"der"', 'is not a format (asked for cert "tls")'],
  ],
  [
    "pfx on a certificate",
    { keyvaultobjectformats: ";pfx" },
    "keyvaultobjectformats",
    ["entry 2", '"pfx"', 'does not fit cert "tls"', FORMATS_BY_TYPE],
  ],
  [
    "pfx on a key",
    { keyvaultobjectnames: "signing", keyvaultobjecttypes: "key", keyvaultobjectformats: "PFX" },
    "keyvaultobjectformats",
    ["entry 1", 'does not fit key "signing"', FORMATS_BY_TYPE],
  ],
  [
    "fewer formats than names",
    { keyvaultobjectformats: "pem" },
    "keyvaultobjectformats",
    ["has 1 entry but keyvaultobjectnames has 2", "one format per name", "an empty entry keeps the default"],
  ],
  [
    "more formats than names",
    { keyvaultobjectformats: "pem;pem;pem" },
    "keyvaultobjectformats",
    ["has 3 entries but keyvaultobjectnames has 2"],
  ],
  [
    "formats counted against legacy names",
    {
      keyvaultobjectnames: undefined,
      keyvaultobjecttypes: undefined,
      keyvaultobjectname: "a",
      keyvaultobjecttype: "cert",
      keyvaultobjectformats: "pem;pem",
    },
    "keyvaultobjectformats",
    ["but keyvaultobjectname has 1"],
  ],
  // encodings
  [
    "an unknown encoding",
    { keyvaultobjectencodings: "base32;" },
    "keyvaultobjectencodings",
    ["entry 1", '"base32"', "is not an encoding", "utf-8, base64, hex", "empty for utf-8"],
  ],
  [
    "an encoding on a certificate",
    { keyvaultobjectencodings: ";base64" },
    "keyvaultobjectencodings",
    ["entry 2", '"base64"', 'secrets only, not to cert "tls"', "leave the entry empty"],
  ],
  [
    "an encoding on a key",
    { keyvaultobjectnames: "signing", keyvaultobjecttypes: "key", keyvaultobjectencodings: "hex" },
    "keyvaultobjectencodings",
    ['secrets only, not to key "signing"'],
  ],
  [
    "an encoding with format pem",
    { keyvaultobjectformats: "pem;", keyvaultobjectencodings: "base64;" },
    "keyvaultobjectencodings",
    ["entry 1", 'cannot be combined with format "pem" of secret "db-password"', "content type"],
  ],
  [
    "an encoding with format pfx",
    { keyvaultobjectformats: "pfx;", keyvaultobjectencodings: "hex;" },
    "keyvaultobjectencodings",
    ['format "pfx"'],
  ],
  [
    "fewer encodings than names",
    { keyvaultobjectencodings: "base64" },
    "keyvaultobjectencodings",
    ["has 1 entry but keyvaultobjectnames has 2", "one encoding per name", "an empty entry means utf-8"],
  ],
  // file mode
  [
    "a setuid filepermission",
    { filepermission: "4755" },
    "filepermission",
    ['"4755"', "setuid, setgid or sticky", "at most 0777", '"0640"'],
  ],
  ["a sticky filepermission with 0o", { filepermission: "0o1644" }, "filepermission", ["setuid, setgid or sticky"]],
  [
    "a filepermission the owner cannot read",
    { filepermission: "0200" },
    "filepermission",
    ['"0200"', "unreadable by their owner", "0400"],
  ],
  [
    "a group-only filepermission",
    { filepermission: "040", "kubernetes.io/mounterArgs.FsGroup": "2000" },
    "filepermission",
    ["unreadable by their owner"],
  ],
  [
    "a symbolic filepermission",
    { filepermission: "rw-r--r--" },
    "filepermission",
    ['"rw-r--r--"', "not an octal file mode", '"0640"'],
  ],
  ["a filepermission with an 8", { filepermission: "0684" }, "filepermission", ["not an octal file mode"]],
  ["a filepermission with five digits", { filepermission: "00644" }, "filepermission", ["not an octal file mode"]],
  ["a hexadecimal filepermission", { filepermission: "0x1a4" }, "filepermission", ["not an octal file mode"]],
  [
    "an unquoted YAML filepermission (a number)",
    { filepermission: 420 },
    "filepermission",
    ["must be a string", "got a number", "quote"],
  ],
  // fsGroup
  [
    "a negative fsGroup",
    { "kubernetes.io/mounterArgs.FsGroup": "-1" },
    "kubernetes.io/mounterArgs.FsGroup",
    ['"-1"', "0 to 2147483647"],
  ],
  [
    "an fsGroup above 2147483647",
    { "kubernetes.io/mounterArgs.FsGroup": "2147483648" },
    "kubernetes.io/mounterArgs.FsGroup",
    ["0 to 2147483647"],
  ],
  [
    "a fractional fsGroup",
    { "kubernetes.io/mounterArgs.FsGroup": "1.5" },
    "kubernetes.io/mounterArgs.FsGroup",
    ["not a group id"],
  ],
  [
    "a bad fsGroup from an older kubelet",
    { "kubernetes.io/fsGroup": "staff" },
    "kubernetes.io/fsGroup",
    ['"staff"', "not a group id"],
  ],
];

describe("parseVolumeOptions refuses", () => {
  test.each(BAD_OPTIONS)("%s", (_title, changes, option, fragments) => {
    const error = optionErrorOf(() => parseVolumeOptions(options(changes)));
    expect(error.option).toBe(option);
    expect(error.message.startsWith(`option ${option}: `)).toBe(true);
    for (const fragment of fragments) expect(error.problem).toContain(fragment);
  });

  test.each<[string, unknown]>([
    ["null", null],
    ["an array", [options()]],
    ["a string", "keyvaultname=myvault"],
  ])("%s instead of an object", (_title, raw) => {
    expect(optionErrorOf(() => parseVolumeOptions(raw)).option).toBe("<json-options>");
  });
});

/** Every problem `kv check` gets; fails the test when the options are valid. */
function problemsOf(raw: unknown) {
  const checked = checkVolumeOptions(raw);
  if (!("problems" in checked)) throw new Error("expected problems, the options are valid");
  return checked.problems;
}
/** What parseVolumeOptions throws for the valid options with `changes`. */
const thrown = (changes: Record<string, unknown>) => optionErrorOf(() => parseVolumeOptions(options(changes))).message;

describe("checkVolumeOptions (kv check) gets every problem", () => {
  test("valid options: the same as parseVolumeOptions", () => {
    expect(checkVolumeOptions(options())).toEqual({ options: parseVolumeOptions(options()) });
  });

  test("its first problem is the one parseVolumeOptions throws, for every refused option set", () => {
    const firsts = BAD_OPTIONS.map(([title, changes]) => [title, problemsOf(options(changes))[0].message]);
    expect(firsts).toEqual(BAD_OPTIONS.map(([title, changes]) => [title, thrown(changes)]));
    expect(problemsOf(null)[0].message).toBe(optionErrorOf(() => parseVolumeOptions(null)).message);
  });

  // Each bad on its own; in the driver's order.
  const INDEPENDENT: Record<string, unknown>[] = [
    { keyvaultname: "my_vault" },
    { keyvaultobjecttypes: "secret;blob" },
    { tenantid: "not a tenant" },
    { cloudname: "Mars" },
    { "kubernetes.io/secret/clientid": base64("not-a-guid") },
    { "kubernetes.io/secret/clientsecret": undefined },
    { "kubernetes.io/mounterArgs.FsGroup": "-1" },
    { filepermission: "0x1a4" },
    { mounttimeout: "0" },
    { rotationpollinterval: "1s" },
  ];

  test("several independent bad options: each one, in order, in the words it has alone", () => {
    const all = Object.assign({}, ...INDEPENDENT) as Record<string, unknown>;
    const problems = problemsOf(options(all));
    expect(problems.map((problem) => problem.message)).toEqual(INDEPENDENT.map(thrown));
    expect(problems[0].message).toBe(thrown(all));
  });

  test.each<[string, Record<string, unknown>, string[]]>([
    [
      "a bad type: its format is not checked against it",
      { keyvaultobjecttypes: "secret;blob", keyvaultobjectformats: ";pem" },
      ["keyvaultobjecttypes"],
    ],
    [
      "a bad workload identity flag: reported once; neither the tenant nor an identity is asked for",
      { useworkloadidentity: "maybe", tenantid: undefined, "kubernetes.io/secret/clientid": undefined },
      ["useworkloadidentity"],
    ],
    [
      "a bad pod identity flag: no service principal is asked for",
      { usepodidentity: "yes", "kubernetes.io/secret/clientid": undefined },
      ["usepodidentity"],
    ],
    [
      "aliases of the wrong count: no file name is checked (one file twice, rotation's reserved names)",
      {
        keyvaultobjectnames: "db;db",
        keyvaultobjecttypes: "secret;secret",
        keyvaultobjectaliases: "..x;y;z",
        rotationpollinterval: "1m",
      },
      ["keyvaultobjectaliases"],
    ],
    [
      "objects with a problem: the env file's own name is checked, its variables are not",
      { keyvaultobjectnames: "db_password;tls", envfile: "a/b", keyvaultobjectenvnames: "1X;2Y" },
      ["keyvaultobjectnames", "envfile"],
    ],
  ])("what depends on a bad option is skipped: %s", (_title, changes, optionsNamed) => {
    expect(problemsOf(options(changes)).map((problem) => problem.option)).toEqual(optionsNamed);
  });

  test.each<[string, Record<string, unknown>]>([
    ["keyvaultobjectnames", { keyvaultobjectnames: "a_b;ok;c/d", keyvaultobjecttypes: "secret;secret;secret" }],
    ["keyvaultobjecttypes", { keyvaultobjecttypes: "blob;pem" }],
    ["keyvaultobjectaliases", { keyvaultobjectaliases: "../x;a/b" }],
    ["keyvaultobjectversions", { keyvaultobjectversions: "v-1;v/2" }],
    ["keyvaultobjectformats", { keyvaultobjectformats: "xml;pfx" }],
    ["keyvaultobjectencodings", { keyvaultobjectencodings: "rot13;base64" }],
    ["keyvaultobjectenvnames", { envfile: ".env", keyvaultobjectenvnames: "1X;TLS" }],
  ])("every bad entry of %s is named", (key, changes) => {
    const problems = problemsOf(options(changes));
    const bad = key === "keyvaultobjectnames" ? ["1", "3"] : ["1", "2"];
    expect(problems.map((problem) => [problem.option, /^entry (\d+) /.exec(problem.problem)?.[1]])).toEqual(
      bad.map((entry) => [key, entry]),
    );
    expect(problems[0].message).toBe(thrown(changes));
  });

  test("every alias a rotating volume keeps for itself, and every file written twice", () => {
    const reserved = problemsOf(options({ keyvaultobjectaliases: "..a;..b", rotationpollinterval: "1m" }));
    expect(reserved.map((problem) => problem.problem)).toEqual([
      expect.stringMatching(/^file name "\.\.a" starts with "\.\."/),
      expect.stringMatching(/^file name "\.\.b" starts with "\.\."/),
    ]);
    const twice = problemsOf(
      options({
        keyvaultobjectnames: "a;b;c",
        keyvaultobjecttypes: "secret;secret;secret",
        keyvaultobjectaliases: "x;x;x",
      }),
    );
    expect(twice.map((problem) => problem.problem)).toEqual([
      expect.stringContaining("secret/a (entry 1) and secret/b (entry 2) would both be written"),
      expect.stringContaining("secret/a (entry 1) and secret/c (entry 3) would both be written"),
    ]);
  });
});

describe("no error message shows the client secret", () => {
  const encoded = base64(CLIENT_SECRET);
  const revealed = (message: string) =>
    [CLIENT_SECRET, encoded, encoded.slice(0, 16), CLIENT_SECRET.slice(0, 12)].filter((part) => message.includes(part));

  test("every refused option set (each carries the client secret)", () => {
    const leaks = BAD_OPTIONS.map(([title, changes]) => {
      const { message } = optionErrorOf(() => parseVolumeOptions(options(changes)));
      return { title, revealed: revealed(message) };
    }).filter((leak) => leak.revealed.length > 0);
    expect(leaks).toEqual([]);
  });

  test.each<[string, string]>([
    ["unquoted value", `{"kubernetes.io/secret/clientsecret": ${CLIENT_SECRET}}`],
    ["truncated document", `{"kubernetes.io/secret/clientsecret": "${encoded}"`],
    ["bare value", `${CLIENT_SECRET}`],
  ])("malformed JSON holding it: %s", (_title, json) => {
    const { message } = optionErrorOf(() => parseMountArgument(json));
    expect(revealed(message)).toEqual([]);
  });
});

describe("parseMountArgument", () => {
  test("returns the parsed object", () => {
    expect(parseMountArgument('{"keyvaultname":"v","x":1}')).toEqual({ keyvaultname: "v", x: 1 });
  });

  test.each<[string, string | undefined, string[]]>([
    ["a missing argument", undefined, ["is missing", "kv mount <dir> <json-options>"]],
    ["an empty argument", "", ["is not valid JSON"]],
    ["malformed JSON", '{"keyvaultname": }', ["is not valid JSON"]],
    ["malformed JSON, with where", '{"keyvaultname": "v" x}', ["is not valid JSON", "character 21"]],
    ["a JSON array", "[]", ["must be a JSON object", "got an array"]],
    ["JSON null", "null", ["must be a JSON object", "got null"]],
    ["a JSON string", '"x"', ["got a string"]],
    ["a JSON number", "42", ["got a number"]],
  ])("refuses %s", (_title, json, fragments) => {
    const error = optionErrorOf(() => parseMountArgument(json));
    expect(error.option).toBe("<json-options>");
    for (const fragment of fragments) expect(error.problem).toContain(fragment);
  });
});
