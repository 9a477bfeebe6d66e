// Workload identity through the bundled CLI, as kubelet calls it: the driver asks the Kubernetes
// API stand-in (TLS with its own CA, found through the kubeconfig in KV_KUBECONFIG) for the pod's
// service account token with the node's credentials, and Azure AD's stand-in exchanges it only
// for an identity with a matching federated credential. Every case checks the answer, the mount,
// the traffic at both stand-ins and that no token or node key reached the answer or the log.
import { createServer } from "node:net";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { decodeJwt } from "../../standin/jwt";
import type { KubeconfigForm, KubernetesApi } from "../../standin/kubernetesApi";
import { setUpWorkloadIdentity, type WorkloadPod, type WorkloadSetup } from "../../standin/workloadIdentity";
import { expectSingleJson } from "../support/driver";
import type { PodVolume } from "../support/kubelet";
import { expectNoKubernetesSecrets, kubernetesSuite } from "../support/kubernetesSuite";
import { findMount } from "../../standin/mounts";
import { standInSuite } from "../support/suite";

const SECRET = "the workload's own secret";
const suite = standInSuite();
/** Kubernetes ≥ 1.33: audiences restricted for nodes; nodes may read service accounts. */
let kube: KubernetesApi;
/** kubelet's own form: client certificate and key in kubelet-client-current.pem, CA file. */
let kubeconfig: string;

const k8s = kubernetesSuite({ audienceRestriction: true });

beforeAll(async () => {
  ({ api: kube, kubeconfig } = k8s);
  suite.vault.addSecret("db-password", SECRET);
  suite.azure.addVault("contoso-cn", { cloud: "AzureChinaCloud" }).addSecret("db-password", SECRET);
});

const VOLUME = { keyvaultname: "contoso-kv", keyvaultobjectnames: "db-password", keyvaultobjecttypes: "secret" };

interface Mounted {
  volume: PodVolume;
  answer: Record<string, unknown>;
  /** The driver's combined output and its log: neither may hold a token or a key. */
  output: string;
  tokenRequests: number;
  serviceAccountReads: number;
  /** Client assertions Azure AD was shown. */
  assertions: string[];
}

function workload(setup: WorkloadSetup = {}, api = kube): WorkloadPod {
  const wi = setUpWorkloadIdentity(suite.azure, api, setup);
  suite.azure
    .vault(setup.cloud === "AzureChinaCloud" ? "contoso-cn" : "contoso-kv", setup.cloud)
    .grant(wi.identity.clientId, "secret");
  return wi;
}

async function mount(
  wi: WorkloadPod,
  options: Record<string, string>,
  env: Record<string, string> = {},
  api = kube,
): Promise<Mounted> {
  const volume = suite.kubelet.newVolume();
  api.resetStats();
  suite.azure.resetStats();
  const presented = suite.azure.federation.assertions.length;
  const result = await suite.kubelet.mount(volume, wi.mountOptions(options), { KV_KUBECONFIG: kubeconfig, ...env });
  const answer = expectSingleJson(result.combined);
  expect(result.code).toBe(answer.status === "Success" ? 0 : 1);
  const calls = (method: string, tail: RegExp) =>
    api.requests.filter((r) => r.method === method && tail.test(r.path)).length;
  return {
    volume,
    answer,
    output: result.combined + suite.kubelet.log(volume),
    tokenRequests: calls("POST", /\/serviceaccounts\/[^/]+\/token$/),
    serviceAccountReads: calls("GET", /\/serviceaccounts\/[^/]+$/),
    assertions: suite.azure.federation.assertions.slice(presented),
  };
}

function expectNoSecrets({ output }: Mounted, api = kube): void {
  expectNoKubernetesSecrets(output, api);
  expect(output).not.toContain(SECRET);
}

function expectMounted(m: Mounted): void {
  expect(m.answer).toEqual({ status: "Success" });
  expect(findMount(m.volume.dir)?.fsType).toBe("tmpfs");
  expect(readFileSync(join(m.volume.dir, "db-password"), "utf8")).toBe(SECRET);
  expectNoSecrets(m);
}

function expectRefused(m: Mounted, words: string[], api = kube): void {
  expect(m.answer.status).toBe("Failure");
  for (const word of words) expect(m.answer.message).toContain(word);
  expect(findMount(m.volume.dir)).toBeUndefined();
  expect(suite.azure.stats("keyvault").requests).toBe(0);
  expectNoSecrets(m, api);
}

const bothIds = (wi: WorkloadPod) => ({ clientid: wi.identity.clientId, tenantid: wi.identity.tenantId });

describe.each([
  ["AzurePublicCloud", "contoso-kv", "login.microsoftonline.com"],
  ["AzureChinaCloud", "contoso-cn", "login.partner.microsoftonline.cn"],
] as const)("in %s", (cloud, vault, loginHost) => {
  const options = { ...VOLUME, keyvaultname: vault, cloudname: cloud };

  test(
    "the pod's service account token becomes a Key Vault token: one TokenRequest, no service account read " +
      "when clientid and tenantid are options",
    async () => {
      const wi = workload({ cloud, annotate: false });
      const m = await mount(wi, { ...options, ...bothIds(wi) });
      expectMounted(m);
      expect([m.tokenRequests, m.serviceAccountReads]).toEqual([1, 0]);
      // Azure AD was shown the TokenRequest's token once: bound to the pod, for the cloud's exchange audience.
      expect(m.assertions).toHaveLength(1);
      const { claims } = decodeJwt(m.assertions[0])!;
      expect(claims).toMatchObject({
        aud: [wi.audience],
        iss: kube.issuer,
        sub: `system:serviceaccount:shop:${wi.pod.serviceAccount}`,
      });
      expect(claims["kubernetes.io"]).toMatchObject({
        pod: { name: wi.pod.name, uid: wi.pod.uid },
        node: { name: kube.nodeName },
      });
      expect(suite.azure.requests.filter((r) => r.service === "aad").map((r) => r.host)).toEqual([loginHost]);
    },
  );

  test(
    "no federated credential at Azure AD: the command to register one, with the token's issuer, subject " +
      "and audience",
    async () => {
      const wi = workload({ cloud, federate: false });
      const m = await mount(wi, options);
      const subject = `system:serviceaccount:shop:${wi.pod.serviceAccount}`;
      expectRefused(m, [
        "AADSTS70021",
        `client id ${wi.identity.clientId}`,
        `az identity federated-credential create --name kv-shop-${wi.pod.serviceAccount} --identity-name <managed ` +
          `identity name>`,
        `--issuer ${kube.issuer} --subject ${subject} --audience ${wi.audience}`,
      ]);
      expect([m.tokenRequests, m.serviceAccountReads, m.assertions.length]).toEqual([1, 1, 1]);
    },
  );

  test(
    "refusing the cloud's audience when the pod does not project it (Kubernetes 1.33): both fixes, and the " +
      "RBAC one works",
    async () => {
      const wi = workload({ cloud, projected: false });
      const m = await mount(wi, options);
      expectRefused(m, [
        `audience "${wi.audience}" not found in pod spec volume`,
        `label pod shop/${wi.pod.name} azure.workload.identity/use: "true"`,
        `resources ["${wi.audience}"], verbs ["request-serviceaccounts-token-audience"]`,
        "system:nodes",
      ]);
      kube.grantNodesAudience(wi.audience);
      expectMounted(await mount(wi, options));
    },
  );

  test("Key Vault forbidden: the workload identity and its client id to grant", async () => {
    const wi = setUpWorkloadIdentity(suite.azure, kube, { cloud }); // no access to the vault
    const m = await mount(wi, options);
    expect(m.answer.status).toBe("Failure");
    expect(m.answer.message).toContain(
      `secret/db-password: forbidden: workload identity of service ` +
        `account shop/${wi.pod.serviceAccount} (client ${wi.identity.clientId}) lacks 'get' ` +
        `on secrets`,
    );
    expect(m.answer.message).toContain(`--spn ${wi.identity.clientId}`);
    expect(findMount(m.volume.dir)).toBeUndefined();
    expectNoSecrets(m);
  });
});

test("the client id and tenant come from the service account's annotations, read once", async () => {
  const wi = workload();
  const m = await mount(wi, VOLUME);
  expectMounted(m);
  expect([m.tokenRequests, m.serviceAccountReads]).toEqual([1, 1]);
  expect(suite.kubelet.log(m.volume)).toContain('"readsServiceAccount":true');
});

test("the option clientid wins over the annotation; the tenant then still comes from the service account", async () => {
  const wi = workload({ annotate: false });
  kube.addServiceAccount("shop", wi.pod.serviceAccount, {
    "azure.workload.identity/client-id": "00000000-0000-0000-0000-00000000dead",
    "azure.workload.identity/tenant-id": wi.identity.tenantId,
  });
  const m = await mount(wi, { ...VOLUME, clientid: wi.identity.clientId });
  expectMounted(m);
  expect(m.serviceAccountReads).toBe(1);
});

test.each<KubeconfigForm>(["relative files", "inline data", "token", "token file"])(
  "a kubeconfig with the node's credentials as %s",
  async (form) => {
    const wi = workload();
    expectMounted(await mount(wi, VOLUME, { KV_KUBECONFIG: await kube.writeKubeconfig(form) }));
  },
);

test("the client certificate file is read on every call: kubelet rotates it in place", async () => {
  const rotating = await kube.writeKubeconfig("kubelet", "no node of this cluster");
  const wi = workload();
  const before = await mount(wi, VOLUME, { KV_KUBECONFIG: rotating });
  expectRefused(before, ["401 Unauthorized"]);
  copyFileSync(
    join(dirname(kubeconfig), "pki/kubelet-client-current.pem"),
    join(dirname(rotating), "pki/kubelet-client-current.pem"),
  );
  expectMounted(await mount(wi, VOLUME, { KV_KUBECONFIG: rotating }));
});

describe("the node's kubeconfig", () => {
  test("named by KV_KUBECONFIG but missing: the path, and the fix", async () => {
    const m = await mount(workload(), VOLUME, { KV_KUBECONFIG: "/nonexistent/kubelet/kubeconfig" });
    expectRefused(m, [
      "no kubeconfig with the node's credentials",
      "KV_KUBECONFIG names /nonexistent/kubelet/kubeconfig",
      "--kubeconfig",
    ]);
    expect(kube.stats().requests).toBe(0);
  });

  test("absent everywhere: every default path tried", async () => {
    const defaults = ["/var/lib/kubelet/kubeconfig", "/etc/kubernetes/kubelet.conf"];
    expect(defaults.filter((path) => existsSync(path))).toEqual([]); // this machine is no node
    const m = await mount(workload(), VOLUME, { KV_KUBECONFIG: "" });
    expectRefused(m, ["KV_KUBECONFIG is not set", ...defaults]);
  });
});

describe("the API server", () => {
  test("unreachable: the server and the kubeconfig named", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = await kube.writeKubeconfig("inline data");
    writeFileSync(unreachable, readFileSync(unreachable, "utf8").replace(kube.url, `https://127.0.0.1:${port}`));
    const m = await mount(workload(), VOLUME, { KV_KUBECONFIG: unreachable });
    expectRefused(m, [
      `failed: cannot reach the Kubernetes API server https://127.0.0.1:${port} (kubeconfig ${unreachable}`,
      "ECONNREFUSED, after retries",
    ]);
  });

  test("hanging: the mount's deadline names what it waited for", async () => {
    const wi = workload({ annotate: false });
    kube.injectFault({ hang: true });
    try {
      const m = await mount(wi, { ...VOLUME, ...bothIds(wi), mounttimeout: "3" });
      expectRefused(m, [
        "3s deadline",
        "mounttimeout",
        `the Kubernetes API server ${kube.url} (kubeconfig ${kubeconfig}`,
      ]);
      expect(m.tokenRequests).toBe(1);
    } finally {
      kube.clearFaults();
    }
  });

  test("answering, then Azure AD hanging: the deadline names Azure AD", async () => {
    const wi = workload({ annotate: false });
    suite.azure.injectFault({ hang: true }, { service: "aad" });
    try {
      const m = await mount(wi, { ...VOLUME, ...bothIds(wi), mounttimeout: "3" });
      expectRefused(m, [
        "3s deadline",
        `workload identity of service account shop/${wi.pod.serviceAccount} (client ${wi.identity.clientId}), still ` +
          `waiting for Azure AD at login.microsoftonline.com`,
      ]);
      expect(m.tokenRequests).toBe(1);
    } finally {
      suite.azure.clearFaults();
    }
  });

  test("refusing the node's credentials (401): the node identity and the kubeconfig used", async () => {
    const foreign = await kube.writeKubeconfig("kubelet", "no node of this cluster");
    const m = await mount(workload(), VOLUME, { KV_KUBECONFIG: foreign });
    expectRefused(m, [
      "401 Unauthorized",
      `system:node:${kube.nodeName} (client certificate ${dirname(foreign)}/pki/kubelet-client-current.pem)`,
      `kubeconfig ${foreign}`,
      "kubelet's own kubeconfig",
    ]);
  });

  test("refusing a token for a pod on another node (403): the pod must be bound to this node", async () => {
    const wi = workload({ nodeName: "aks-nodepool1-27318450-vmss000009", annotate: false });
    const m = await mount(wi, { ...VOLUME, ...bothIds(wi) });
    expectRefused(m, [
      "403 Forbidden",
      `system:node:${kube.nodeName}`,
      `pod shop/${wi.pod.name} (uid ${wi.pod.uid}) must be scheduled on this node`,
    ]);
    expect(m.assertions).toHaveLength(0);
  });
});

test("no client id, neither option nor annotation: both named", async () => {
  const m = await mount(workload({ annotate: false }), VOLUME);
  expectRefused(m, [
    "no client id for service account shop/",
    "volume option clientid",
    "azure.workload.identity/client-id",
  ]);
  expect([m.serviceAccountReads, m.assertions.length]).toEqual([1, 0]);
});

describe("a cluster whose nodes may not read service accounts", () => {
  const olderCluster = kubernetesSuite({ nodesMayReadServiceAccounts: false });

  test("a missing id is refused with the fix: give both as options", async () => {
    const wi = workload({}, olderCluster.api);
    const m = await mount(wi, VOLUME, { KV_KUBECONFIG: olderCluster.kubeconfig }, olderCluster.api);
    expectRefused(
      m,
      ["service account read failed", "403 Forbidden", "give both clientid and tenantid as volume options"],
      olderCluster.api,
    );
  });

  test("with both as options it is never read", async () => {
    const wi = workload({}, olderCluster.api);
    const m = await mount(
      wi,
      { ...VOLUME, ...bothIds(wi) },
      { KV_KUBECONFIG: olderCluster.kubeconfig },
      olderCluster.api,
    );
    expectMounted(m);
    expect([m.tokenRequests, m.serviceAccountReads]).toEqual([1, 0]);
  });
});

test.each([
  [
    "usevmmanagedidentity",
    { usevmmanagedidentity: "true" },
    'option usevmmanagedidentity: and useworkloadidentity are both "true"',
  ],
  ["usepodidentity", { usepodidentity: "true" }, 'option usepodidentity: and useworkloadidentity are both "true"'],
])("useworkloadidentity with %s is refused before anything is asked", async (_flag, flag, words) => {
  const m = await mount(workload(), { ...VOLUME, ...flag });
  expectRefused(m, [words, "set only one of usepodidentity, usevmmanagedidentity, useworkloadidentity"]);
  expect([kube.stats().requests, suite.azure.requests.length]).toEqual([0, 0]);
});

describe("Azure AD through the node's proxy, as for a service principal", () => {
  const LOGIN_HOST = "login.microsoftonline.com";
  const proxy = () => new URL(suite.azure.env.HTTPS_PROXY).origin;
  afterEach(() => suite.azure.clearFaults());

  test("a TLS-inspecting proxy's certificate is named as a certificate problem", async () => {
    const wi = workload({ annotate: false });
    suite.azure.serveCertificate(LOGIN_HOST, "unknown-ca");
    const m = await mount(wi, { ...VOLUME, ...bothIds(wi) });
    expectRefused(m, [
      `the TLS certificate presented for ${LOGIN_HOST} (through the proxy ${proxy()}) is not trusted`,
      "NODE_EXTRA_CA_CERTS",
    ]);
    expect(m.answer.message).not.toContain("egress firewall");
  });

  test("the proxy's 403 to CONNECT Azure AD is the proxy's", async () => {
    const wi = workload({ annotate: false });
    suite.azure.refuseTunnels(LOGIN_HOST, 403);
    const m = await mount(wi, { ...VOLUME, ...bothIds(wi) });
    expectRefused(m, [`the proxy ${proxy()} refused to tunnel to ${LOGIN_HOST}:443 (HTTP 403 Forbidden)`]);
    expect(m.answer.message).not.toContain("egress firewall");
  });
});

test("a vault in another tenant than the service account's annotation names the annotation", async () => {
  const elsewhere = "7f3c1c52-6b1e-4d0e-9a3f-2b4c5d6e7f80";
  const vault = suite.azure.addVault("wi-other-tenant-kv", { tenantId: elsewhere });
  vault.addSecret("db-password", SECRET);
  const wi = workload();
  vault.grant(wi.identity.clientId, "secret");
  const m = await mount(wi, { ...VOLUME, keyvaultname: "wi-other-tenant-kv" });
  expect(m.answer.status).toBe("Failure");
  expect(m.answer.message).toContain(
    `key vault belongs to tenant ${elsewhere}, but the annotation azure.workload.identity/tenant-id of service ` +
      `account shop/${wi.pod.serviceAccount} is ${wi.identity.tenantId}; set that annotation (or the volume option ` +
      `tenantid) to ${elsewhere}`,
  );
  expect(m.answer.message).not.toContain("the volume's tenantid");
  expectNoSecrets(m);
});
