// The demo's workload identity mount: the pod's own service account, exchanged at Azure AD,
// with the node's kubelet credentials for the Kubernetes API (a stand-in: standin/).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startKubernetesApi } from "../standin/kubernetesApi";
import { setUpWorkloadIdentity } from "../standin/workloadIdentity";
import { runDriver } from "../test/support/driver";
import { makeVolumeDir } from "../standin/kubeletCall";
import { findMount } from "../standin/mounts";
import type { AzureStandIn } from "../standin/standIn";
import type { Vault } from "../standin/vault";

export async function demoWorkloadIdentity(
  azure: AzureStandIn,
  vault: Vault,
  work: string,
  env: Record<string, string>,
): Promise<void> {
  const kube = await startKubernetesApi({ audienceRestriction: true });
  try {
    const wi = setUpWorkloadIdentity(azure, kube, {
      namespace: "default",
      podName: "demo-wi-pod",
      serviceAccount: "demo-app",
    });
    vault.grant(wi.identity.clientId, "secret");
    const kubeconfig = await kube.writeKubeconfig("kubelet");
    const dir = makeVolumeDir(work, "secrets", wi.pod.uid);
    const options = wi.mountOptions({
      keyvaultname: vault.name,
      keyvaultobjectnames: "db-password",
      keyvaultobjecttypes: "secret",
    });
    console.log(
      "--- workload identity: no Secret; the service account default/demo-app is annotated with the managed " +
        "identity's client id,",
    );
    console.log(`    which Azure AD federates with issuer ${kube.issuer}`);
    console.log(`$ KV_KUBECONFIG=${kubeconfig} kv mount ${dir} '${JSON.stringify(options, null, 2)}'`);
    const mount = await runDriver(["mount", dir, JSON.stringify(options)], { ...env, KV_KUBECONFIG: kubeconfig });
    console.log(`driver answered (exit ${mount.code}): ${mount.combined.trim()}`);
    console.log(
      `the Kubernetes API saw: ${kube.requests.map((r) => `${r.method} ${r.path} -> ${r.status}`).join(", ")}`,
    );
    if (mount.code === 0) console.log(`db-password: ${readFileSync(join(dir, "db-password"), "utf8")}`);
    const unmount = await runDriver(["unmount", dir], env);
    const stillMounted = findMount(dir) !== undefined;
    const after = stillMounted ? "the tmpfs is STILL mounted" : "the tmpfs is gone";
    console.log(`$ kv unmount: ${unmount.combined.trim()}; ${after}\n`);
    // As for the first volume (demo.ts): the demo's exit status says whether mount and unmount worked.
    if (mount.code !== 0 || unmount.code !== 0 || stillMounted) process.exitCode = 1;
  } finally {
    await kube.close();
  }
}
