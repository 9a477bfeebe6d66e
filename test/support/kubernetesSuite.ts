// The Kubernetes API stand-in of an end-to-end file: started before its tests with kubelet's
// own kubeconfig for it (what KV_KUBECONFIG names on a node), closed after them.
import { startKubernetesApi, type KubernetesApi, type KubernetesApiOptions } from "../../standin/kubernetesApi";

export interface KubernetesSuite {
  api: KubernetesApi;
  /** kubelet's form: client certificate and key in kubelet-client-current.pem, a CA file. */
  kubeconfig: string;
}

/** Registers beforeAll/afterAll hooks; the fields are set once beforeAll has run. */
export function kubernetesSuite(options: KubernetesApiOptions): KubernetesSuite {
  const suite = {} as KubernetesSuite;
  beforeAll(async () => {
    suite.api = await startKubernetesApi(options);
    suite.kubeconfig = await suite.api.writeKubeconfig("kubelet");
  });
  afterAll(() => suite.api?.close());
  return suite;
}

/** Nothing the stand-ins hand out in `output`: no service account token, access token or node key. */
export function expectNoKubernetesSecrets(output: string, api: KubernetesApi): void {
  for (const secret of api.secrets) expect(output).not.toContain(secret);
  expect(output).not.toMatch(/eyJ[\w-]{10,}\.eyJ/); // any JWT
  expect(output).not.toContain("standin."); // the stand-in's access tokens
  expect(output).not.toContain("PRIVATE KEY");
}
