// A mount is all or nothing: when any object cannot be fetched, nothing is mounted and
// the one Failure answer names every object that failed, why, and how to fix it.
import { readdirSync } from "node:fs";
import { generateKeyPair } from "../../standin/fixtures";
import { kubeletOptions } from "../../standin/kubeletCall";
import { findMount } from "../../standin/mounts";
import { expectSingleJson } from "../support/driver";
import type { PodVolume } from "../support/kubelet";
import { standInSuite } from "../support/suite";

const SECRET = "never-in-an-answer-or-log-3f9a";

const suite = standInSuite();
beforeAll(() => {
  const { vault, sp } = suite;
  vault.addSecret("db-password", SECRET);
  vault.addSecret("api-token", SECRET);
  vault.addKey("signing", generateKeyPair("RSA-2048").privateKey);
  vault.revoke(sp.clientId, "key", "cert");
});
afterEach(() => suite.azure.clearFaults());

async function failedMount(options: Record<string, string>): Promise<{ message: string; volume: PodVolume }> {
  const volume = suite.kubelet.newVolume();
  const result = await suite.kubelet.mount(
    volume,
    kubeletOptions({ keyvaultname: "contoso-kv", tenantid: suite.azure.tenantId, ...options }, suite.sp),
  );
  const answer = expectSingleJson(result.combined);
  expect(answer.status).toBe("Failure");
  expect(result.code).toBe(1);
  expect(findMount(volume.dir)).toBeUndefined();
  expect(readdirSync(volume.dir)).toEqual([]);
  for (const leak of [SECRET, suite.sp.clientSecret]) {
    expect(result.combined).not.toContain(leak);
    expect(suite.kubelet.log(volume)).not.toContain(leak);
  }
  expect(result.combined).not.toMatch(/\n\s+at /); // no stack trace
  return { message: String(answer.message), volume };
}

test("one missing object among good ones: nothing is mounted, and the answer names it", async () => {
  const { message } = await failedMount({
    keyvaultobjectnames: "db-password;nope;api-token",
    keyvaultobjecttypes: "secret;secret;secret",
  });
  expect(message).toContain("1 object(s) could not be fetched from key vault contoso-kv");
  expect(message).toContain("secret/nope: not found: secret nope does not exist in key vault contoso-kv");
  expect(message).not.toContain("db-password");
});

test(
  "every failing object is named with its own cause: " + "not found, forbidden with the fix, pinned version",
  async () => {
    const { message } = await failedMount({
      keyvaultobjectnames: "db-password;signing;gone",
      keyvaultobjecttypes: "secret;key;cert",
      keyvaultobjectversions: "00000000000000000000000000000000;;",
    });
    expect(message).toContain("3 object(s)");
    expect(message).toContain(
      "secret/db-password@00000000000000000000000000000000: not found: version 00000000000000000000000000000000 " +
        "of secret db-password",
    );
    expect(message).toContain(
      `key/signing: forbidden: service principal ${suite.sp.clientId} lacks 'get' on keys in key vault contoso-kv`,
    );
    expect(message).toContain(
      `az keyvault set-policy --name contoso-kv --key-permissions get --spn ${suite.sp.clientId}`,
    );
    expect(message).toContain("cert/gone: forbidden");
  },
);

test("a vault that keeps throttling is reported as throttled after the retries", async () => {
  suite.azure.injectFault({ throttle: 1000, retryAfterSeconds: 0 }, { vault: "contoso-kv" });
  const { message } = await failedMount({ keyvaultobjectnames: "db-password", keyvaultobjecttypes: "secret" });
  expect(message).toContain("secret/db-password: throttled");
  const throttled = suite.azure.requests.filter((r) => r.status === 429).length;
  expect(throttled).toBeGreaterThan(1);
});

test("a wrong client secret is one identity failure, not one per object", async () => {
  const volume = suite.kubelet.newVolume();
  const wrong = { clientId: suite.sp.clientId, clientSecret: "definitely-not-the-secret" };
  const result = await suite.kubelet.mount(
    volume,
    kubeletOptions(
      {
        keyvaultname: "contoso-kv",
        tenantid: suite.azure.tenantId,
        keyvaultobjectnames: "db-password;api-token",
        keyvaultobjecttypes: "secret;secret",
      },
      wrong,
    ),
  );
  const answer = expectSingleJson(result.combined);
  expect(answer).toEqual({
    status: "Failure",
    message: expect.stringMatching(/^cannot get an access token: .*AADSTS7000215/),
  });
  expect(String(answer.message)).not.toContain("definitely-not-the-secret");
  expect(findMount(volume.dir)).toBeUndefined();
});

test("a vault whose connections keep resetting is a network failure after the retries", async () => {
  suite.azure.injectFault({ resets: 1000 }, { vault: "contoso-kv" });
  const { message } = await failedMount({ keyvaultobjectnames: "db-password", keyvaultobjecttypes: "secret" });
  expect(message).toContain("secret/db-password: network: cannot reach key vault contoso-kv (ECONNRESET)");
});

test("a vault host the proxy cannot reach is the proxy's refusal, with its HTTP status", async () => {
  const { message } = await failedMount({
    keyvaultname: "no-such-vault",
    keyvaultobjectnames: "db-password",
    keyvaultobjecttypes: "secret",
  });
  const proxy = new URL(suite.azure.env.HTTPS_PROXY).origin;
  expect(message).toContain(
    `secret/db-password: network: the proxy ${proxy} refused to tunnel to no-such-vault.vault.azure.net:443 ` +
      `(HTTP 502 Bad Gateway); the proxy could not reach the host: check the host name and the proxy's own ` +
      `DNS and egress`,
  );
});

test("a vault in another tenant than tenantid says which tenant to set", async () => {
  const elsewhere = "7f3c1c52-6b1e-4d0e-9a3f-2b4c5d6e7f80";
  const vault = suite.azure.addVault("other-tenant-kv", { tenantId: elsewhere });
  vault.addSecret("db-password", SECRET);
  vault.grant(suite.sp.clientId);
  const { message } = await failedMount({
    keyvaultname: "other-tenant-kv",
    keyvaultobjectnames: "db-password",
    keyvaultobjecttypes: "secret",
  });
  expect(message).toBe(
    `cannot get an access token: key vault belongs to tenant ${elsewhere}, but the volume's ` +
      `tenantid is ${suite.azure.tenantId}; set tenantid to ${elsewhere}`,
  );
});

test("an Azure AD that keeps resetting connections is named, with where to look", async () => {
  suite.azure.injectFault({ resets: 1000 }, { service: "aad" });
  const { message } = await failedMount({ keyvaultobjectnames: "db-password", keyvaultobjecttypes: "secret" });
  expect(message).toBe(
    "cannot get an access token: cannot reach Azure AD at login.microsoftonline.com (network error after " +
      "retries); check the node's DNS, egress firewall and HTTPS_PROXY",
  );
}, 30_000);

test("an Azure AD that keeps failing is reported with its own error, after the retries", async () => {
  suite.azure.injectFault({ serverErrors: 1000 }, { service: "aad" });
  const { message } = await failedMount({ keyvaultobjectnames: "db-password", keyvaultobjecttypes: "secret" });
  // MSAL's wording around Azure AD's own error and description, which names the AADSTS code.
  expect(message).toMatch(
    /^cannot get an access token: server_error: .*AADSTS90033: A transient error has occurred\. Please try again\.$/,
  );
  expect(suite.azure.requests.filter((r) => r.service === "aad").length).toBeGreaterThan(1);
}, 30_000);
