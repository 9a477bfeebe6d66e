// The Azure stand-ins are only worth trusting if the real SDK accepts them: these
// tests run the real @azure/identity + Key Vault clients (in child processes, as
// the SDK reads the proxy settings at load time) and check the raw REST shapes.
import { createHash } from "node:crypto";
import { request } from "node:http";
import { generateCertificateChain, generateKeyPair } from "../standin/fixtures";
import { ServicePrincipal } from "../standin/identities";
import { AzureStandIn, startAzureStandIn } from "../standin/standIn";
import { Vault } from "../standin/vault";
import { httpsViaProxy, tokenFor } from "./support/rawClient";
import { runSdkProbe } from "./support/sdkProbe";

const SECRET_VALUE = "s3cr3t-for-standin-test";
const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

let azure: AzureStandIn;
let sp: ServicePrincipal;
let vault: Vault;
let certDer: Buffer;

beforeAll(async () => {
  azure = await startAzureStandIn();
  sp = azure.addServicePrincipal();
  vault = azure.addVault("standin-vault");
  vault.addSecret("db-password", SECRET_VALUE);
  vault.addKey("signing", generateKeyPair("EC-P-256").privateKey);
  const chain = await generateCertificateChain("RSA-2048", "CN=standin-test");
  certDer = chain.leaf;
  vault.addCertificate("tls", { leaf: chain.leaf, chain: chain.chain, key: chain.leafKey.privateKey });
  vault.grant(sp.clientId);
});

afterAll(() => azure.close());
beforeEach(() => {
  azure.clearFaults();
  azure.resetStats();
});

const viaSp = () => ({
  kind: "clientSecret" as const,
  tenantId: sp.tenantId,
  clientId: sp.clientId,
  clientSecret: sp.clientSecret,
});

test("the SDK gets a secret with a service principal: challenge, AAD token, retry", async () => {
  const r = await runSdkProbe(
    { credential: viaSp(), vaultUrl: vault.url, type: "secret", name: "db-password" },
    azure.env,
  );

  expect(r).toMatchObject({ ok: true, sha256: sha256(SECRET_VALUE) });
  const calls = azure.requests.filter((q) => q.service !== "proxy").map((q) => `${q.service} ${q.method} ${q.status}`);
  expect(calls).toEqual(["keyvault GET 401", "aad POST 200", "keyvault GET 200"]);
});

test("the SDK gets a certificate through ManagedIdentityCredential (IMDS)", async () => {
  const mi = azure.addManagedIdentity({ systemAssigned: true });
  vault.grant(mi.clientId, "cert");

  const r = await runSdkProbe(
    { credential: { kind: "managedIdentity" }, vaultUrl: vault.url, type: "cert", name: "tls" },
    azure.env,
  );

  expect(r).toMatchObject({ ok: true, sha256: sha256(certDer) });
  expect(azure.stats("imds").requests).toBe(1);
});

test("a wrong client secret fails with AADSTS7000215", async () => {
  const r = await runSdkProbe(
    { credential: { ...viaSp(), clientSecret: "wrong" }, vaultUrl: vault.url, type: "secret", name: "db-password" },
    azure.env,
  );
  expect(r.ok).toBe(false);
  expect(JSON.stringify(r)).toContain("AADSTS7000215");
});

test("Key Vault challenges a request without a token", async () => {
  const res = await httpsViaProxy(azure.env, `${vault.url}/secrets/db-password?api-version=7.4`);
  expect(res.status).toBe(401);
  expect(res.headers["www-authenticate"]).toBe(
    `Bearer authorization="https://login.microsoftonline.com/${azure.tenantId}", resource="https://vault.azure.net"`,
  );
});

test("403 and 404 carry Key Vault's error JSON", async () => {
  const stranger = azure.addServicePrincipal();
  const forbidden = await httpsViaProxy(azure.env, `${vault.url}/secrets/db-password/?api-version=7.4`, {
    headers: { authorization: `Bearer ${await tokenFor(azure.env, stranger)}` },
  });
  expect(forbidden.status).toBe(403);
  expect(forbidden.json).toEqual({
    error: {
      code: "Forbidden",
      message: expect.stringContaining(
        `'appid=${stranger.clientId};oid=${stranger.objectId};iss=https://sts.windows.net/${azure.tenantId}/' ` +
          "does not have secrets get permission on key vault 'standin-vault;location=eastus'",
      ),
      innerError: { code: "AccessDenied" },
    },
  });

  const token = await tokenFor(azure.env, sp);
  const missing = await httpsViaProxy(azure.env, `${vault.url}/keys/nope/?api-version=7.4`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(missing.status).toBe(404);
  expect(missing.json).toEqual({
    error: {
      code: "KeyNotFound",
      message: expect.stringMatching(/^A key with \(name\/id\) nope was not found in this key vault\./),
    },
  });
});

test("throttling is answered 429 with Retry-After and counted; the SDK retries through it", async () => {
  azure.injectFault(
    { throttle: 2, retryAfterSeconds: 0 },
    { vault: "standin-vault", objectType: "secret", name: "db-password" },
  );

  const r = await runSdkProbe(
    { credential: viaSp(), vaultUrl: vault.url, type: "secret", name: "db-password" },
    azure.env,
  );

  expect(r.ok).toBe(true);
  expect(azure.requests.filter((q) => q.status === 429)).toHaveLength(2);
});

test("the proxy refuses hosts that are not Azure", async () => {
  await expect(httpsViaProxy(azure.env, "https://example.com/")).rejects.toThrow(/502/);
});

test("NMI gives a bound pod its identity's token and 404s other pods", async () => {
  const mi = azure.addManagedIdentity();
  azure.addPodIdentity("default", "web-0", mi.clientId);
  const ask = (podname: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: "localhost",
          port: azure.nmiPort,
          path: "/host/token/?resource=https%3A%2F%2Fvault.azure.net",
          headers: { podname, podns: "default" },
        },
        (res) => {
          let body = "";
          res.on("data", (d: Buffer) => (body += d.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject);
      req.end();
    });

  const ok = await ask("web-0");
  expect(ok.status).toBe(200);
  expect(JSON.parse(ok.body)).toMatchObject({
    token: { resource: "https://vault.azure.net", token_type: "Bearer", expires_in: "3599" },
    clientid: mi.clientId,
  });
  expect((await ask("other")).status).toBe(404);
});
