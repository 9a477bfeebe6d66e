// A node without HTTPS_PROXY: the driver connects to Azure AD and Key Vault itself. The
// Azure host names resolve to the stand-in's address through /etc/hosts, bind-mounted in
// a mount namespace of the driver's own (standin/directTls.ts), so the tmpfs it
// mounts lives and ends there: these tests check the answer, the log and what the
// stand-in saw. Serving port 443 needs real root, as in CI; elsewhere they are skipped.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hostsWrapper } from "../../standin/directTls";
import type { ServicePrincipal } from "../../standin/identities";
import { kubeletOptions, makeVolumeDir } from "../../standin/kubeletCall";
import { startAzureStandIn, type AzureStandIn } from "../../standin/standIn";
import { expectSingleJson, runDriver } from "../support/driver";

const ADDRESS = "127.0.0.2";
const VAULT_HOST = "contoso-kv.vault.azure.net";
const NAMES = Array.from({ length: 20 }, (_, i) => `direct-secret-${String(i).padStart(2, "0")}`);

/** Root of the machine, not of a user namespace (where port 443 cannot be bound). */
function isRealRoot(): boolean {
  if (process.getuid?.() !== 0) return false;
  const [inside, outside] = readFileSync("/proc/self/uid_map", "utf8").trim().split(/\s+/);
  return inside === "0" && outside === "0";
}

const describeAsRoot = isRealRoot() ? describe : describe.skip;

describeAsRoot("without HTTPS_PROXY (real root only: serves port 443)", () => {
  let azure: AzureStandIn;
  let sp: ServicePrincipal;
  let root: string;

  beforeAll(async () => {
    azure = await startAzureStandIn({ directAddress: ADDRESS });
    root = mkdtempSync(join(tmpdir(), "kv-direct-"));
    sp = azure.addServicePrincipal();
    const vault = azure.addVault("contoso-kv");
    for (const name of NAMES) vault.addSecret(name, `value of ${name}`);
    vault.grant(sp.clientId);
  });

  afterAll(async () => {
    await azure.close();
    rmSync(root, { recursive: true, force: true });
  });

  test("a 20-secret mount connects directly, opens its 16 vault connections while the token is requested, and resumes the first one's TLS session", async () => {
    // Time enough for the connections to be set up before the token arrives.
    azure.injectFault({ latencyMs: 500 }, { service: "aad" });
    const dir = makeVolumeDir(root);
    const log = join(root, "kv-driver.log");
    const options = kubeletOptions({ keyvaultname: "contoso-kv", keyvaultobjectnames: NAMES.join(";"), keyvaultobjecttypes: NAMES.map(() => "secret").join(";"), tenantid: azure.tenantId }, sp);
    const env = { NODE_EXTRA_CA_CERTS: azure.env.NODE_EXTRA_CA_CERTS, KV_DRIVER_LOG: log, KV_STATE_DIR: join(root, "state") };
    const result = await runDriver(["mount", dir, JSON.stringify(options)], env, { wrapper: hostsWrapper(root, ADDRESS, ["login.microsoftonline.com", VAULT_HOST]) });

    expect(expectSingleJson(result.combined)).toEqual({ status: "Success" });
    expect(readFileSync(log, "utf8")).toContain(`"event":"mounted","call":"mount","dir":"${dir}",`);
    expect(azure.requests.filter((r) => r.service === "proxy")).toEqual([]);
    expect(azure.requests.filter((r) => r.service === "keyvault").map((r) => r.status)).toEqual(NAMES.map(() => 200));
    expect(azure.tlsSessions.filter((s) => s.host === VAULT_HOST).map((s) => s.resumed)).toEqual([false, ...Array(15).fill(true)]);
  });
});
