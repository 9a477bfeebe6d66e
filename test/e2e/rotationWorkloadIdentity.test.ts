// Rotating workload identity volumes under `kv refresh --once --force`, as the DaemonSet runs
// it: with the node's kubeconfig (the Kubernetes API stand-in, client-certificate auth) it asks
// a fresh TokenRequest bound to the pod on every refresh, never shares a pod's identity with
// another volume, and a pod that left the node fails only its own volume, whose set stays whole.
import { readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { decodeJwt } from "../../standin/jwt";
import { setUpWorkloadIdentity, type WorkloadPod } from "../../standin/workloadIdentity";
import { expectSingleJson } from "../support/driver";
import type { PodVolume } from "../support/kubelet";
import { expectNoKubernetesSecrets, kubernetesSuite } from "../support/kubernetesSuite";
import { lineOf, refreshOnce, refresherEnv, type OncePass } from "../support/refresher";
import { standInSuite } from "../support/suite";

const suite = standInSuite();
const k8s = kubernetesSuite({ audienceRestriction: true });
const env = () => refresherEnv(suite.azure.env, suite.kubelet, { KV_KUBECONFIG: k8s.kubeconfig });

let counter = 0;
function newSecret(value: string): string {
  const name = `wi-rotating-${++counter}`;
  suite.vault.addSecret(name, value);
  return name;
}

function workload(serviceAccount?: string): WorkloadPod {
  const wi = setUpWorkloadIdentity(suite.azure, k8s.api, serviceAccount ? { serviceAccount } : {});
  suite.vault.grant(wi.identity.clientId, "secret");
  return wi;
}

async function mountRotating(wi: WorkloadPod, name: string, extra: Record<string, string> = {}): Promise<PodVolume> {
  const volume = suite.kubelet.newVolume();
  const options = wi.mountOptions({
    keyvaultname: "contoso-kv",
    keyvaultobjectnames: name,
    keyvaultobjecttypes: "secret",
    rotationpollinterval: "1m",
    ...extra,
  });
  const result = await suite.kubelet.mount(volume, options, { KV_KUBECONFIG: k8s.kubeconfig });
  expect(expectSingleJson(result.combined)).toEqual({ status: "Success" });
  return volume;
}

const read = (volume: PodVolume, name: string) => readFileSync(join(volume.dir, name), "utf8");
const keyVaultReadsOf = (name: string) =>
  suite.azure.requests.filter((r) => r.service === "keyvault" && r.target?.name === name).length;

/**
 * The service account tokens Azure AD was shown since `from`, of one pod: each a TokenRequest's answer, bound to that
 * pod.
 */
function tokensOf(wi: WorkloadPod, from: number): string[] {
  return suite.azure.federation.assertions.slice(from).filter((token) => {
    const bound = decodeJwt(token)?.claims["kubernetes.io"] as { pod?: { uid?: string } } | undefined;
    return bound?.pod?.uid === wi.pod.uid;
  });
}

const tokenRequestsFor = (wi: WorkloadPod) =>
  k8s.api.requests.filter(
    (r) =>
      r.method === "POST" &&
      r.path === `/api/v1/namespaces/${wi.pod.namespace}/serviceaccounts/${wi.pod.serviceAccount}/token`,
  ).length;

const expectNoTokens = (pass: OncePass) => expectNoKubernetesSecrets(pass.stdout + pass.stderr, k8s.api);

test("each refresh asks a new TokenRequest bound to the pod and picks up the new version", async () => {
  const wi = workload();
  const name = newSecret("wi value 1");
  const volume = await mountRotating(wi, name);
  expect(tokenRequestsFor(wi)).toBe(1);
  const shown = suite.azure.federation.assertions.length;

  suite.vault.addSecret(name, "wi value 2");
  const first = await refreshOnce(env(), "--force");
  expect([first.code, lineOf(first, volume.dir)?.result]).toEqual([0, "changed"]);
  expect(read(volume, name)).toBe("wi value 2");

  suite.vault.addSecret(name, "wi value 3");
  const second = await refreshOnce(env(), "--force");
  expect([second.code, lineOf(second, volume.dir)?.result]).toEqual([0, "changed"]);
  expect(read(volume, name)).toBe("wi value 3");

  // The mount's one, then one per refresh; each a token of its own.
  expect(tokenRequestsFor(wi)).toBe(3);
  const tokens = tokensOf(wi, shown);
  expect(tokens).toHaveLength(2);
  expect(new Set(tokens.map((token) => decodeJwt(token)?.claims.jti)).size).toBe(2);
  expectNoTokens(first);
  expectNoTokens(second);
});

test("two pods of one service account reading one secret do not share a Key Vault request", async () => {
  const serviceAccount = `shared-sa-${++counter}`;
  const [a, b] = [workload(serviceAccount), workload(serviceAccount)];
  expect(a.pod.serviceAccount).toBe(b.pod.serviceAccount);
  const name = newSecret("read by two pods v1");
  const volumes = [await mountRotating(a, name), await mountRotating(b, name)];
  suite.vault.addSecret(name, "read by two pods v2");
  const before = keyVaultReadsOf(name);
  const shown = suite.azure.federation.assertions.length;

  const pass = await refreshOnce(env(), "--force");

  expect(volumes.map((volume) => lineOf(pass, volume.dir)?.result)).toEqual(["changed", "changed"]);
  expect(volumes.map((volume) => read(volume, name))).toEqual(["read by two pods v2", "read by two pods v2"]);
  expect(keyVaultReadsOf(name) - before).toBe(2);
  expect([tokensOf(a, shown).length, tokensOf(b, shown).length]).toEqual([1, 1]);
  expectNoTokens(pass);
});

describe.each([
  {
    ids: "given as options",
    step: "TokenRequest",
    asked: (wi: WorkloadPod) => `a token for service account ${wi.pod.namespace}/${wi.pod.serviceAccount}`,
  },
  {
    ids: "from the annotations",
    step: "service account read",
    asked: (wi: WorkloadPod) => `read service account ${wi.pod.namespace}/${wi.pod.serviceAccount}`,
  },
])("a pod that moved off the node, ids $ids", ({ ids, step, asked }) => {
  test(`its own refresh fails at the ${step}, naming the step and the fix; its set stays whole`, async () => {
    const [moving, staying] = [workload(), workload()];
    const name = newSecret("before the move");
    const idOptions: Record<string, string> =
      ids === "given as options" ? { clientid: moving.identity.clientId, tenantid: moving.identity.tenantId } : {};
    const [gone, kept] = [await mountRotating(moving, name, idOptions), await mountRotating(staying, name)];
    const setBefore = readlinkSync(join(gone.dir, "..data"));
    suite.vault.addSecret(name, "after the move");
    moving.pod.nodeName = "aks-nodepool1-27318450-vmss000009";
    k8s.api.resetStats();

    const pass = await refreshOnce(env(), "--force");

    expect(pass.code).toBe(1);
    expect(lineOf(pass, kept.dir)?.result).toBe("changed");
    expect(read(kept, name)).toBe("after the move");
    const line = lineOf(pass, gone.dir);
    expect(line).toMatchObject({ result: "failed", failed: [{ object: `secret/${name}`, cause: "unauthorized" }] });
    for (const part of [
      `${step} failed`,
      `the Kubernetes API server ${k8s.api.url} (kubeconfig ${k8s.kubeconfig}`,
      asked(moving),
      "403 Forbidden",
      `system:node:${k8s.api.nodeName}`,
      `pod ${moving.pod.namespace}/${moving.pod.name} (uid ${moving.pod.uid}) must be scheduled on this node`,
    ]) {
      expect(line?.error).toContain(part);
    }
    // Asked (and refused) on this refresh: the service account is read alongside, not before.
    expect(tokenRequestsFor(moving)).toBe(1);
    expect(readlinkSync(join(gone.dir, "..data"))).toBe(setBefore);
    expect(read(gone, name)).toBe("before the move");
    expectNoTokens(pass);
  });
});
