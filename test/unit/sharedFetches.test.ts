// Which volumes share a session and requests: the same service principal or node managed
// identity in the same cloud and vault; never a pod's own identity.
import { credentialKey, groupByCredentials } from "../../src/refresher/sharedFetches";
import { volumeLabels } from "../../src/refresher/metrics";
import type { Identity } from "../../src/model/identity";
import type { VolumeOptions } from "../../src/model/volumeOptions";

const SECRET = "Zx8Q~client-secret-value";
const options = (identity: Identity, changes: Partial<VolumeOptions> = {}): VolumeOptions => ({
  vaultName: "contoso-kv",
  tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  cloudName: "AzurePublicCloud",
  identity,
  objects: [],
  fileMode: 0o644,
  mountTimeoutSeconds: 60,
  ...changes,
});
const sp = (clientSecret = SECRET): Identity => ({
  kind: "servicePrincipal",
  clientId: "00000000-1111-2222-3333-444444444444",
  clientSecret,
});
const pod = (podName: string): Identity => ({ kind: "podIdentity", nmiPort: 2579, podName, podNamespace: "shop" });

test(
  "the same service principal shares; another secret, client " + "or tenant does not; the key never holds the secret",
  () => {
    expect(credentialKey(options(sp()), "/a")).toBe(credentialKey(options(sp()), "/b"));
    expect(credentialKey(options(sp("another secret")), "/a")).not.toBe(credentialKey(options(sp()), "/a"));
    expect(credentialKey(options(sp(), { tenantId: "contoso.onmicrosoft.com" }), "/a")).not.toBe(
      credentialKey(options(sp()), "/a"),
    );
    expect(credentialKey(options(sp()), "/a")).not.toContain(SECRET);
  },
);

test("the node's managed identity shares, system-assigned and each user-assigned one apart", () => {
  const system = credentialKey(options({ kind: "managedIdentity" }), "/a");
  expect(credentialKey(options({ kind: "managedIdentity" }), "/b")).toBe(system);
  expect(credentialKey(options({ kind: "managedIdentity", clientId: "abc" }), "/a")).not.toBe(system);
  expect(credentialKey(options({ kind: "managedIdentity", clientId: "abc" }), "/b")).toBe(
    credentialKey(options({ kind: "managedIdentity", clientId: "abc" }), "/a"),
  );
});

test("pod identity never shares, not even between two volumes of one pod", () => {
  expect(credentialKey(options(pod("cart-0")), "/a")).not.toBe(credentialKey(options(pod("cart-0")), "/b"));
});

test("groups are per credentials, cloud and vault", () => {
  const volumes = [
    { dir: "/a", options: options(sp()) },
    { dir: "/b", options: options(sp(), { vaultName: "CONTOSO-KV" }) },
    { dir: "/c", options: options(sp(), { vaultName: "other-kv" }) },
    { dir: "/d", options: options(sp(), { cloudName: "AzureChinaCloud" }) },
    { dir: "/e", options: options(pod("cart-0")) },
    { dir: "/f", options: options(pod("cart-0")) },
  ];
  expect(groupByCredentials(volumes).map((group) => group.volumes.map((volume) => volume.dir))).toEqual([
    ["/a", "/b"],
    ["/c"],
    ["/d"],
    ["/e"],
    ["/f"],
  ]);
});

test("a volume's metric labels are its pod's uid and its name", () => {
  expect(volumeLabels("/var/lib/kubelet/pods/5f1c2a9e-0d3b/volumes/azure~kv/secrets")).toEqual({
    pod_uid: "5f1c2a9e-0d3b",
    volume: "secrets",
  });
});
