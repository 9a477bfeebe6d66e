// workloadIdentityCredential, the refresher's way to a workload identity volume's token: the
// mount's path again (node kubeconfig, TokenRequest bound to the pod, Azure AD), against the
// stand-ins, through the same environment variables the driver gets.
import { startKubernetesApi, type KubernetesApi } from "../../standin/kubernetesApi";
import { setUpWorkloadIdentity } from "../../standin/workloadIdentity";
import { runRefreshProbe } from "../support/refreshProbe";
import { standInSuite } from "../support/suite";

const suite = standInSuite();
let kube: KubernetesApi;
let env: Record<string, string>;

beforeAll(async () => {
  kube = await startKubernetesApi({ audienceRestriction: true });
  env = { ...suite.azure.env, KV_KUBECONFIG: await kube.writeKubeconfig("kubelet") };
});
afterAll(() => kube?.close());

const tokenRequests = () => kube.requests.filter((r) => r.method === "POST" && r.path.endsWith("/token")).length;

test("each credential exchanges a fresh service account token; ids from the annotations when not recorded", async () => {
  const wi = setUpWorkloadIdentity(suite.azure, kube);
  const pod = { name: wi.pod.name, namespace: wi.pod.namespace, uid: wi.pod.uid, serviceAccount: wi.pod.serviceAccount };
  kube.resetStats();
  const presented = suite.azure.federation.assertions.length;
  const result = await runRefreshProbe({ pod, count: 2 }, env);
  expect(result).toEqual({ ok: true, tokens: [expect.objectContaining({ length: expect.any(Number) }), expect.objectContaining({ length: expect.any(Number) })] });
  expect(tokenRequests()).toBe(2);
  const assertions = suite.azure.federation.assertions.slice(presented);
  expect(assertions).toHaveLength(2);
  expect(assertions[0]).not.toBe(assertions[1]);
});

test("a pod no longer on this node: the mount's refusal, naming the pod", async () => {
  const wi = setUpWorkloadIdentity(suite.azure, kube, { nodeName: "aks-other-node" });
  const pod = { name: wi.pod.name, namespace: wi.pod.namespace, uid: wi.pod.uid, serviceAccount: wi.pod.serviceAccount };
  const result = await runRefreshProbe({ pod, clientId: wi.identity.clientId, tenantId: wi.identity.tenantId, count: 1 }, env);
  expect(result.ok).toBe(false);
  expect(result.ok || result.message).toContain(`pod ${pod.namespace}/${pod.name} (uid ${pod.uid}) must be scheduled on this node`);
});
