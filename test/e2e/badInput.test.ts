// Every bad input kubelet can hand the driver ends in one Failure answer that names
// the option and the fix; nothing is mounted, nothing is written outside <dir>, and
// no Azure endpoint is even asked.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { kubeletOptions } from "../../standin/kubeletCall";
import { findMount } from "../../standin/mounts";
import { expectSingleJson } from "../support/driver";
import { standInSuite } from "../support/suite";

const suite = standInSuite();
beforeAll(() => suite.vault.addSecret("db-password", "x"));

const good = () => ({
  keyvaultname: "contoso-kv",
  keyvaultobjectnames: "db-password",
  keyvaultobjecttypes: "secret",
  tenantid: suite.azure.tenantId,
});
const withSp = (changes: Record<string, string | undefined>) => {
  const options: Record<string, string | undefined> = { ...kubeletOptions(good(), suite.sp), ...changes };
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Record<string, string>;
};

/** [case, options (or raw JSON text), option the message must name, words the message must hold] */
const CASES: Array<[string, () => Record<string, string> | string, string, string[]]> = [
  ["a missing vault name", () => withSp({ keyvaultname: undefined }), "keyvaultname", ["is required"]],
  ["an empty tenant id", () => withSp({ tenantid: "" }), "tenantid", ["is required"]],
  ["no object names", () => withSp({ keyvaultobjectnames: undefined }), "keyvaultobjectnames", ["is required"]],
  ["no object types", () => withSp({ keyvaultobjecttypes: "" }), "keyvaultobjecttypes", ["is required"]],
  ["malformed JSON", () => '{"keyvaultname": "contoso-kv",', "<json-options>", ["not valid JSON"]],
  ["JSON that is not an object", () => '["keyvaultname"]', "<json-options>", ["JSON object"]],
  [
    "types and names of different counts",
    () => withSp({ keyvaultobjecttypes: "secret;key" }),
    "keyvaultobjecttypes",
    ["2 entries", "has 1"],
  ],
  [
    "versions and names of different counts",
    () => withSp({ keyvaultobjectversions: "a;b;c" }),
    "keyvaultobjectversions",
    ["3 entries"],
  ],
  [
    "an unknown object type",
    () => withSp({ keyvaultobjecttypes: "password" }),
    "keyvaultobjecttypes",
    ['"password"', "secret, key, cert"],
  ],
  [
    "a vault name with a dot",
    () => withSp({ keyvaultname: "evil.example.com" }),
    "keyvaultname",
    ['"evil.example.com"'],
  ],
  ["a vault name with a double hyphen", () => withSp({ keyvaultname: "contoso--kv" }), "keyvaultname", ["--"]],
  [
    "an object name with a slash",
    () => withSp({ keyvaultobjectnames: "../keys/x" }),
    "keyvaultobjectnames",
    ['"../keys/x"'],
  ],
  [
    "an alias with a slash",
    () => withSp({ keyvaultobjectaliases: "../../../../etc/cron.d/x" }),
    "keyvaultobjectaliases",
    ["path separator"],
  ],
  ["an alias '..'", () => withSp({ keyvaultobjectaliases: ".." }), "keyvaultobjectaliases", ["directory"]],
  ["an alias '.'", () => withSp({ keyvaultobjectaliases: "." }), "keyvaultobjectaliases", ["directory"]],
  [
    "an alias with NUL",
    () => withSp({ keyvaultobjectaliases: "a\u0000b" }),
    "keyvaultobjectaliases",
    ["control character"],
  ],
  [
    "an empty alias",
    () =>
      withSp({
        keyvaultobjectnames: "db-password;db-password",
        keyvaultobjecttypes: "secret;secret",
        keyvaultobjectaliases: "a; ",
      }),
    "keyvaultobjectaliases",
    ["is empty"],
  ],
  [
    "no secretRef for a service principal",
    () => withSp({ "kubernetes.io/secret/clientid": undefined, "kubernetes.io/secret/clientsecret": undefined }),
    "kubernetes.io/secret/clientid",
    ["secretRef", "azure/kv"],
  ],
  [
    "pod identity without the pod's name",
    () => withSp({ usepodidentity: "true", "kubernetes.io/pod.name": undefined }),
    "kubernetes.io/pod.name",
    ["missing"],
  ],
  [
    "clientid and clientsecret swapped in the Secret",
    () =>
      withSp({
        "kubernetes.io/secret/clientid": Buffer.from(suite.sp.clientSecret).toString("base64"),
        "kubernetes.io/secret/clientsecret": Buffer.from(suite.sp.clientId).toString("base64"),
      }),
    "kubernetes.io/secret/clientid",
    ["not an application (client) id", "swapped"],
  ],
  [
    "a client secret that is not base64",
    () => withSp({ "kubernetes.io/secret/clientsecret": "not base64 at all!" }),
    "kubernetes.io/secret/clientsecret",
    ["base64"],
  ],
  [
    "an unknown cloud",
    () => withSp({ cloudname: "AzureMoonCloud" }),
    "cloudname",
    ["AzurePublicCloud", "AzureStackCloud"],
  ],
  [
    "both identity flags",
    () => withSp({ usepodidentity: "true", usevmmanagedidentity: "true" }),
    "usepodidentity",
    ["only one"],
  ],
  [
    "a flag that is not true or false",
    () => withSp({ usevmmanagedidentity: "yes" }),
    "usevmmanagedidentity",
    ['"true" or "false"'],
  ],
];

test.each(CASES)("%s is refused before anything is mounted", async (_case, options, option, words) => {
  const volume = suite.kubelet.newVolume();
  const parent = dirname(volume.dir);
  const before = readdirSync(parent);
  suite.azure.resetStats();

  const result = await suite.kubelet.mount(volume, options());

  const answer = expectSingleJson(result.combined);
  expect(answer.status).toBe("Failure");
  expect(result.code).toBe(1);
  for (const word of [`option ${option}`, ...words]) expect(answer.message).toContain(word);
  expect(findMount(volume.dir)).toBeUndefined();
  expect(readdirSync(volume.dir)).toEqual([]);
  expect(readdirSync(parent)).toEqual(before);
  expect(suite.azure.requests).toHaveLength(0);
  expect(result.combined).not.toContain(suite.sp.clientSecret);
  expect(suite.kubelet.log(volume)).not.toContain(suite.sp.clientSecret);
});

test("a missing JSON argument is refused", async () => {
  const volume = suite.kubelet.newVolume();
  const result = await suite.kubelet.call(["mount", volume.dir], volume);
  expect(expectSingleJson(result.combined)).toEqual({
    status: "Failure",
    message: expect.stringContaining("<json-options>"),
  });
  expect(result.code).toBe(1);
});

test("AzureStackCloud without a readable environment file is refused", async () => {
  for (const env of [{}, { AZURE_ENVIRONMENT_FILEPATH: "/nonexistent/azurestack.json" }] as Array<
    Record<string, string>
  >) {
    const volume = suite.kubelet.newVolume();
    const result = await suite.kubelet.mount(volume, withSp({ cloudname: "AzureStackCloud" }), env);
    const answer = expectSingleJson(result.combined);
    expect(answer).toEqual({ status: "Failure", message: expect.stringContaining("AZURE_ENVIRONMENT_FILEPATH") });
    expect(findMount(volume.dir)).toBeUndefined();
  }
});

test("a <dir> that is a file is refused and left alone", async () => {
  const volume = suite.kubelet.newVolume();
  const file = join(dirname(volume.dir), "not-a-dir");
  writeFileSync(file, "keep me");
  const result = await suite.kubelet.call(["mount", file, JSON.stringify(withSp({}))]);
  expect(expectSingleJson(result.combined)).toEqual({
    status: "Failure",
    message: expect.stringContaining("not a directory"),
  });
  expect(findMount(file)).toBeUndefined();
  expect(readFileSync(file, "utf8")).toBe("keep me");
});
