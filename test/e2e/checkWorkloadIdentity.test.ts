// `kv check` of workload identity volumes through the bundled CLI: the options validated as the
// driver would, the client id and tenant read from the pod's ServiceAccount when the manifest
// holds it (a missing annotation reported in the driver's words), and --fetch.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { runDriver, type DriverResult } from "../support/driver";
import { standInSuite } from "../support/suite";

const CLIENT_ID = "9c1f7a52-3b4e-4d6a-8f0b-2e1d3c4b5a69";
const dir = mkdtempSync(join(tmpdir(), "kv-check-wi-"));
const suite = standInSuite();
beforeAll(() => suite.vault.addSecret("db-password", "never printed"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const volumeOptions = (more: Record<string, string> = {}) => ({
  useworkloadidentity: "true",
  keyvaultname: "contoso-kv",
  keyvaultobjectnames: "db-password",
  keyvaultobjecttypes: "secret",
  ...more,
});

function deployment(name: string, options: Record<string, string>, serviceAccountName = "cart"): object {
  const volume = { name: "secrets", flexVolume: { driver: "azure/kv", readOnly: true, options } };
  const spec = { serviceAccountName, containers: [{ name: "app", image: "app" }], volumes: [volume] };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "shop" },
    spec: { template: { metadata: { labels: { "azure.workload.identity/use": "true" } }, spec } },
  };
}

const serviceAccount = (name: string, annotations: Record<string, string>) => ({
  apiVersion: "v1",
  kind: "ServiceAccount",
  metadata: { name, namespace: "shop", annotations },
});

function check(documents: object[], ...args: string[]): Promise<DriverResult> {
  const path = join(dir, `m-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, documents.map((document) => stringify(document)).join("---\n"));
  return runDriver(["check", path, ...args], { ...suite.azure.env, KV_DRIVER_LOG: join(dir, "kv-driver.log") });
}

test("the ServiceAccount in the manifest names the client id and tenant: valid", async () => {
  const result = await check([
    deployment("cart", volumeOptions()),
    serviceAccount("cart", {
      "azure.workload.identity/client-id": CLIENT_ID,
      "azure.workload.identity/tenant-id": suite.azure.tenantId,
    }),
  ]);
  expect(result.stdout).toContain(
    `vault contoso-kv (AzurePublicCloud), workload identity of service account shop/cart ` +
      `(client ${CLIENT_ID}, tenant ${suite.azure.tenantId})`,
  );
  expect(result.stdout).toContain("All is well.");
  expect(result.code).toBe(0);
});

test("the ServiceAccount lacks the client-id annotation: invalid, as the driver would answer", async () => {
  const result = await check([
    deployment("cart", volumeOptions()),
    serviceAccount("cart", { "azure.workload.identity/tenant-id": suite.azure.tenantId }),
  ]);
  expect(result.stdout).toContain(
    'Deployment shop/cart, volume "secrets": INVALID\n  workload identity: no client id for service account ' +
      "shop/cart: set the volume option clientid, or annotate the service account (kubectl annotate serviceaccount " +
      "-n shop cart azure.workload.identity/client-id=<client id>)",
  );
  expect(result.code).toBe(1);
});

test("the ServiceAccount is not in the manifest: valid, with a note that the annotation is unchecked", async () => {
  const result = await check(
    [deployment("cart", volumeOptions({ clientid: CLIENT_ID })), serviceAccount("another", {})],
    "--json",
  );
  const [volume] = JSON.parse(result.stdout).volumes;
  expect(volume).toMatchObject({
    valid: true,
    identity: `workload identity of service account shop/cart (client ${CLIENT_ID})`,
  });
  expect(volume.notes).toEqual([
    expect.stringContaining(
      "service account shop/cart is not in the manifest: the tenant comes from its annotations at mount time, " +
        "unchecked here",
    ),
  ]);
  expect(result.code).toBe(0);
});

test("neither id given and the ServiceAccount not in the manifest: the note names both", async () => {
  const result = await check([deployment("cart", volumeOptions())], "--json");
  const [volume] = JSON.parse(result.stdout).volumes;
  expect(volume.notes).toEqual([
    expect.stringContaining(
      "service account shop/cart is not in the manifest: the client id and tenant come from its annotations at " +
        "mount time, unchecked here",
    ),
  ]);
});

test("bad workload identity options are the driver's refusals", async () => {
  const result = await check([
    deployment("a", volumeOptions({ clientid: "my app" })),
    deployment("b", volumeOptions({ usevmmanagedidentity: "true", tenantid: suite.azure.tenantId })),
  ]);
  expect(result.stdout).toContain('option clientid: "my app" must be a client id');
  expect(result.stdout).toContain('option usevmmanagedidentity: and useworkloadidentity are both "true"');
  expect(result.code).toBe(1);
});

describe("--fetch", () => {
  test("a workload identity's own token cannot be had from outside the cluster: skipped, saying why", async () => {
    const result = await check(
      [deployment("cart", volumeOptions({ clientid: CLIENT_ID, tenantid: suite.azure.tenantId }))],
      "--fetch",
    );
    expect(result.stdout).toContain(
      "not fetched: workload identity tokens come from the cluster's API server, for a pod bound to a node",
    );
    expect(result.code).toBe(1);
  });

  test("with --client-id and --client-secret, in the tenant the ServiceAccount names", async () => {
    const manifest = [
      deployment("cart", volumeOptions()),
      serviceAccount("cart", {
        "azure.workload.identity/client-id": CLIENT_ID,
        "azure.workload.identity/tenant-id": suite.azure.tenantId,
      }),
    ];
    const result = await check(
      manifest,
      "--fetch",
      "--client-id",
      suite.sp.clientId,
      "--client-secret",
      suite.sp.clientSecret,
    );
    expect(result.stdout).toContain(`fetched as service principal ${suite.sp.clientId}`);
    expect(result.stdout).toContain("secret/db-password  -> db-password  ok (13 bytes)");
    expect(result.code).toBe(0);
  });

  test("with --client-id but no tenant anywhere: skipped, saying what to add", async () => {
    const result = await check(
      [deployment("cart", volumeOptions({ clientid: CLIENT_ID }))],
      "--fetch",
      "--client-id",
      suite.sp.clientId,
      "--client-secret",
      suite.sp.clientSecret,
    );
    expect(result.stdout).toContain(
      "not fetched: the volume's tenant comes from its service account's annotation, and the manifest does " +
        "not hold that ServiceAccount",
    );
    expect(result.combined).not.toContain(suite.sp.clientSecret);
  });
});
