import { unknownOptionWarnings } from "../../src/check/unknownOptions";

const ignored = (key: string) => `option ${key}: not an option of azure/kv, so the driver ignores it`;

test("every option the driver reads, in any letter case, and v0.0.17's ignored ones: no warning", () => {
  const options = {
    KeyVaultName: "v",
    keyvaultobjectnames: "a",
    keyvaultobjecttype: "secret",
    FilePermission: "0440",
    useWorkloadIdentity: "true",
    "kubernetes.io/secret/clientid": "x",
    resourcegroup: "rg",
    SubscriptionId: "s",
  };
  expect(unknownOptionWarnings(options)).toEqual([]);
});

test.each([
  ["filemode", "filepermission"], // what Kubernetes' volumes call it
  ["defaultMode", "filepermission"],
  ["userAssignedIdentityID", "vmmanagedidentityclientid"], // the CSI driver's SecretProviderClass
  ["keyvaultobjectalias", "keyvaultobjectaliases"], // typos
  ["tenantId2", "tenantid"],
  ["usepodidentiy", "usepodidentity"],
  ["mounttimout", "mounttimeout"],
])("%s: did you mean %s?", (key, meant) => {
  expect(unknownOptionWarnings({ [key]: "x" })).toEqual([`${ignored(key)}; did you mean ${meant}?`]);
});

test("nothing close: the README's table, never a kubernetes.io/ key kubelet adds itself", () => {
  expect(unknownOptionWarnings({ colour: "blue", "pod.uid": "u" })).toEqual([
    `${ignored("colour")}; see the README's option table`,
    `${ignored("pod.uid")}; see the README's option table`,
  ]);
});

test("options that are no object: nothing to say here (the driver's check says it)", () => {
  expect(unknownOptionWarnings(["keyvaultname"])).toEqual([]);
  expect(unknownOptionWarnings(undefined)).toEqual([]);
});
