// A node without HTTPS_PROXY, or whose NO_PROXY sends Azure around it: the driver connects
// to Azure AD and Key Vault itself. The Azure host names resolve to the stand-in's address
// through /etc/hosts, bind-mounted in a mount namespace of the driver's own
// (standin/directTls.ts), so the tmpfs it mounts lives and ends there: these tests
// check the answer, the log and what the stand-in saw (a request that went through the
// proxy is a CONNECT it recorded). Serving port 443 needs real root, as in CI; elsewhere
// they are skipped.
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

  beforeEach(() => azure.resetStats());
  afterEach(() => azure.clearFaults());

  /** A one-secret mount with `env` (plus the stand-in's CA and a log), Azure's hosts resolving to the stand-in. */
  async function mountOne(env: Record<string, string>): Promise<{ answer: Record<string, unknown>; log: string }> {
    const dir = makeVolumeDir(root);
    const log = `${dir}.log`;
    const options = kubeletOptions(
      {
        keyvaultname: "contoso-kv",
        keyvaultobjectnames: NAMES[0],
        keyvaultobjecttypes: "secret",
        tenantid: azure.tenantId,
      },
      sp,
    );
    const result = await runDriver(
      ["mount", dir, JSON.stringify(options)],
      {
        NODE_EXTRA_CA_CERTS: azure.env.NODE_EXTRA_CA_CERTS,
        KV_DRIVER_LOG: log,
        KV_STATE_DIR: join(root, "state"),
        ...env,
      },
      { wrapper: hostsWrapper(root, ADDRESS, ["login.microsoftonline.com", VAULT_HOST]) },
    );
    return { answer: expectSingleJson(result.combined), log: readFileSync(log, "utf8") };
  }

  const tunnels = () =>
    azure.requests.filter((r) => r.service === "proxy" && r.method === "CONNECT").map((r) => r.host);

  test.each([
    ["*", []],
    ["vault.azure.net", ["login.microsoftonline.com:443"]],
    [".vault.azure.net", ["login.microsoftonline.com:443"]],
    [`${VAULT_HOST}:443`, ["login.microsoftonline.com:443"]],
    [`${VAULT_HOST}:8443`, ["login.microsoftonline.com:443", `${VAULT_HOST}:443`]],
    ["login.microsoftonline.com, Vault.Azure.Net", []],
  ])(
    "with HTTPS_PROXY and NO_PROXY=%s, the proxy tunnels to %j and the rest goes directly",
    async (noProxy, proxied) => {
      const { answer } = await mountOne({ HTTPS_PROXY: azure.env.HTTPS_PROXY, NO_PROXY: noProxy });
      expect(answer).toEqual({ status: "Success" });
      expect(tunnels().sort()).toEqual([...proxied].sort());
      expect(azure.requests.filter((r) => r.service === "keyvault").at(-1)?.status).toBe(200);
    },
  );

  test("NODE_TLS_REJECT_UNAUTHORIZED=0 does not let a vault certificate for another host through", async () => {
    azure.serveCertificate(VAULT_HOST, "wrong-host");
    const { answer, log } = await mountOne({ NODE_TLS_REJECT_UNAUTHORIZED: "0" });
    const detail =
      `secret/${NAMES[0]}: network: the TLS certificate presented for ${VAULT_HOST} names another ` +
      `host (ERR_TLS_CERT_ALTNAME_INVALID: `;
    expect(answer).toEqual({ status: "Failure", message: expect.stringContaining(detail) });
    expect(log).toContain(detail);
    expect(azure.requests.filter((r) => r.service === "keyvault")).toEqual([]);
  });

  test(
    "a 20-secret mount connects directly, opens its 16 vault connections while the token is requested, and " +
      "resumes the first one's TLS session",
    async () => {
      // Time enough for the connections to be set up before the token arrives.
      azure.injectFault({ latencyMs: 1_500 }, { service: "aad" });
      const dir = makeVolumeDir(root);
      const log = join(root, "kv-driver.log");
      const options = kubeletOptions(
        {
          keyvaultname: "contoso-kv",
          keyvaultobjectnames: NAMES.join(";"),
          keyvaultobjecttypes: NAMES.map(() => "secret").join(";"),
          tenantid: azure.tenantId,
        },
        sp,
      );
      const env = {
        NODE_EXTRA_CA_CERTS: azure.env.NODE_EXTRA_CA_CERTS,
        KV_DRIVER_LOG: log,
        KV_STATE_DIR: join(root, "state"),
      };
      // The speed door's pool is what opens connections ahead: on for this test whatever the run's switch says.
      const result = await runDriver(
        ["mount", dir, JSON.stringify(options)],
        { ...env, KV_SPEED_TRICKS: "on" },
        { wrapper: hostsWrapper(root, ADDRESS, ["login.microsoftonline.com", VAULT_HOST]) },
      );

      expect(expectSingleJson(result.combined)).toEqual({ status: "Success" });
      expect(readFileSync(log, "utf8")).toContain(`"event":"mounted","call":"mount","dir":"${dir}",`);
      expect(azure.requests.filter((r) => r.service === "proxy")).toEqual([]);
      expect(azure.requests.filter((r) => r.service === "keyvault").map((r) => r.status)).toEqual(NAMES.map(() => 200));
      expect(azure.tlsSessions.filter((s) => s.host === VAULT_HOST).map((s) => s.resumed)).toEqual([
        false,
        ...Array(15).fill(true),
      ]);
    },
  );
});
