// The Kubernetes client (src/kubernetes/: kubeconfig, TokenRequest, the yaml parser it needs) is
// bundled, but runs only for a workload identity mount: the other identities do not pay for it.
// Seen through Node's own V8 coverage (NODE_V8_COVERAGE), which counts how often each function
// of the bundle ran; the bundle initialises each lazily loaded module in a function of its own.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setUpWorkloadIdentity } from "../../standin/workloadIdentity";
import { kubeletOptions } from "../../standin/kubeletCall";
import { driverPath } from "../support/driver";
import { kubernetesSuite } from "../support/kubernetesSuite";
import { standInSuite } from "../support/suite";

interface FunctionCoverage {
  ranges: { startOffset: number; endOffset: number; count: number }[];
}
interface ScriptCoverage {
  url: string;
  functions: FunctionCoverage[];
}

const suite = standInSuite();
const k8s = kubernetesSuite({ audienceRestriction: true });
let work: string;

beforeAll(async () => {
  suite.vault.addSecret("db-password", "a value");
  work = mkdtempSync(join(tmpdir(), "kv-coverage-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The bundle's text: the executable embeds the same dist/kv.js. */
const bundleText = () =>
  readFileSync(driverPath().endsWith(".js") ? driverPath() : join(__dirname, "../../dist/kv.js"), "utf8");

/** How often the innermost function around `offset` of the driver's script ran during one call. */
function timesRun(coverageDir: string, offset: number): number {
  const scripts = readdirSync(coverageDir).flatMap(
    (file) => (JSON.parse(readFileSync(join(coverageDir, file), "utf8")) as { result: ScriptCoverage[] }).result,
  );
  // The driver's script is the one whose functions reach furthest: the whole bundle.
  const reach = (script: ScriptCoverage) =>
    Math.max(...script.functions.flatMap((f) => f.ranges.map((r) => r.endOffset)));
  const driver = scripts.reduce((a, b) => (reach(b) > reach(a) ? b : a));
  const around = driver.functions
    .flatMap((f) => f.ranges)
    .filter((r) => r.startOffset <= offset && offset < r.endOffset);
  const innermost = around.reduce((a, b) => (b.endOffset - b.startOffset < a.endOffset - a.startOffset ? b : a));
  return innermost.count;
}

async function kubernetesClientRuns(options: Record<string, string>): Promise<number> {
  const coverage = mkdtempSync(join(work, "run-"));
  const volume = suite.kubelet.newVolume();
  const result = await suite.kubelet.mount(volume, options, {
    KV_KUBECONFIG: k8s.kubeconfig,
    NODE_V8_COVERAGE: coverage,
  });
  expect(result.json).toEqual({ status: "Success" });
  await suite.kubelet.unmount(volume);
  // The default kubeconfig paths are set when src/kubernetes/kubeconfig.ts is initialised.
  const offset = bundleText().indexOf('"/var/lib/kubelet/kubeconfig"');
  expect(offset).toBeGreaterThan(0);
  return timesRun(coverage, offset);
}

test("a workload identity mount runs the Kubernetes client; a service principal mount never loads it", async () => {
  const wi = setUpWorkloadIdentity(suite.azure, k8s.api);
  suite.vault.grant(wi.identity.clientId, "secret");
  const objects = { keyvaultname: "contoso-kv", keyvaultobjectnames: "db-password", keyvaultobjecttypes: "secret" };
  expect(await kubernetesClientRuns(wi.mountOptions(objects))).toBe(1);
  expect(await kubernetesClientRuns(kubeletOptions({ ...objects, tenantid: suite.azure.tenantId }, suite.sp))).toBe(0);
});
