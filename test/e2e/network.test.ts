// The node's proxy variables as Go programs read them, certificates always checked, and
// connection failures named by their real cause, through the bundled CLI against the
// stand-in: what went through the proxy is what the proxy saw (CONNECT tunnels, plain
// requests). The forms that need a direct route to Azure are in test/e2e/direct.test.ts.
import { createServer, STATUS_CODES, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expectSingleJson, type DriverResult } from "../support/driver";
import type { ServicePrincipal } from "../../standin/identities";
import { kubeletOptions } from "../../standin/kubeletCall";
import { findMount } from "../../standin/mounts";
import { startAzureStandIn, type AzureStandIn } from "../../standin/standIn";
import { Kubelet } from "../support/kubelet";
import { standInSuite } from "../support/suite";

const suite = standInSuite();
const VAULT_HOST = "contoso-kv.vault.azure.net";
const LOGIN_HOST = "login.microsoftonline.com";
/** The stand-in's env without any proxy variable: each test says which it sets. */
let base: Record<string, string>;
let proxyUrl: string;

beforeAll(() => {
  suite.vault.addSecret("db-password", "never-in-an-answer-or-log-7c1e");
  const { HTTPS_PROXY, HTTP_PROXY: _http, NO_PROXY: _no, ...rest } = suite.azure.env;
  base = rest;
  proxyUrl = HTTPS_PROXY;
});

beforeEach(() => suite.azure.resetStats());
afterEach(() => suite.azure.clearFaults());

const options = (extra: Record<string, string> = {}) =>
  kubeletOptions(
    {
      keyvaultname: "contoso-kv",
      keyvaultobjectnames: "db-password",
      keyvaultobjecttypes: "secret",
      tenantid: suite.azure.tenantId,
      ...extra,
    },
    suite.sp,
  );

async function mountWith(
  env: Record<string, string>,
  extra: Record<string, string> = {},
): Promise<{ result: DriverResult; answer: Record<string, unknown>; log: string }> {
  const kubelet = new Kubelet({ ...base, ...env });
  try {
    const volume = kubelet.newVolume();
    const result = await kubelet.mount(volume, options(extra));
    const answer = expectSingleJson(result.combined);
    if (answer.status !== "Success") expect(findMount(volume.dir)).toBeUndefined();
    return { result, answer, log: kubelet.log(volume) };
  } finally {
    kubelet.cleanUp();
  }
}

/** The hosts the proxy was asked to tunnel to, in order. */
const tunnels = (azure: AzureStandIn = suite.azure) =>
  azure.requests.filter((r) => r.service === "proxy" && r.method === "CONNECT").map((r) => r.host);
const proxyLabel = () => new URL(proxyUrl).origin;

describe("the proxy variables, read as Go reads them", () => {
  test("a proxy without a scheme (host:port) is an http:// proxy", async () => {
    const { answer } = await mountWith({ HTTPS_PROXY: new URL(proxyUrl).host });
    expect(answer).toEqual({ status: "Success" });
    expect(tunnels().sort()).toEqual([`${VAULT_HOST}:443`, `${LOGIN_HOST}:443`]);
  });

  test("lower-case https_proxy is read when HTTPS_PROXY is unset or empty", async () => {
    const { answer } = await mountWith({ HTTPS_PROXY: "", https_proxy: proxyUrl });
    expect(answer).toEqual({ status: "Success" });
    expect(tunnels().sort()).toEqual([`${VAULT_HOST}:443`, `${LOGIN_HOST}:443`]);
  });

  test("HTTPS_PROXY wins over https_proxy, and ALL_PROXY (which the SDK would read) is ignored", async () => {
    const nowhere = "http://127.0.0.1:9";
    const { answer } = await mountWith({ HTTPS_PROXY: proxyUrl, https_proxy: nowhere, ALL_PROXY: nowhere });
    expect(answer).toEqual({ status: "Success" });
    expect(tunnels()).toHaveLength(2);
  });

  test("a proxy URL with credentials works, and they never appear in the log", async () => {
    const withCredentials = new URL(proxyUrl);
    withCredentials.username = "node-egress";
    withCredentials.password = "proxy-password-5d2a";
    const { answer, log } = await mountWith({ HTTPS_PROXY: withCredentials.href, AZURE_LOG_LEVEL: "verbose" });
    expect(answer).toEqual({ status: "Success" });
    expect(log).not.toContain("proxy-password-5d2a");
  });

  test("a % in the proxy's password that starts no percent-encoding is named, the password never shown", async () => {
    const proxy = new URL(proxyUrl);
    const { answer, log } = await mountWith({ HTTPS_PROXY: `http://node-egress:100%-sure@${proxy.host}` });
    expect(answer).toEqual({
      status: "Failure",
      message: expect.stringContaining(
        `HTTPS_PROXY (${proxy.origin}): the proxy's user name or password has a % that starts no ` +
          "percent-encoding (% and two hex digits); percent-encode a % in them as %25",
      ),
    });
    expect(String(answer.message)).not.toContain("100%-sure");
    expect(log).not.toContain("100%-sure");
    expect(String(answer.message)).not.toContain("URI malformed");
    expect(tunnels()).toEqual([]);
  });

  test("a socks5 proxy, which Go supports and the driver does not, is refused by name", async () => {
    const { answer } = await mountWith({ HTTPS_PROXY: "socks5://127.0.0.1:1080" });
    // The token's request or the vault's, whichever leaves first (the speed door's token up front, or the SDK's
    // challenge).
    expect(answer).toEqual({
      status: "Failure",
      message: expect.stringContaining(
        "HTTPS_PROXY names a socks5 proxy (socks5://127.0.0.1:1080); the driver goes through http:// and " +
          "https:// proxies only",
      ),
    });
  });
});

describe("the node's managed identity (IMDS, plain http) and HTTP_PROXY", () => {
  // 0.0.0.0 reaches this host's listeners on Linux, and is no loopback address to Go's
  // rule: unlike 127.0.0.1, it is proxied unless NO_PROXY names it.
  let imds: string;
  const identityOptions = () => ({
    usevmmanagedidentity: "true",
    vmmanagedidentityclientid: identityClientId,
    mounttimeout: "5",
  });
  let identityClientId: string;

  beforeAll(() => {
    const identity = suite.azure.addManagedIdentity();
    identityClientId = identity.clientId;
    suite.vault.grant(identity.clientId, "secret");
    imds = `http://0.0.0.0:${new URL(base.AZURE_POD_IDENTITY_AUTHORITY_HOST).port}`;
  });

  const plainRequestsToProxy = () =>
    suite.azure.requests.filter((r) => r.service === "proxy" && r.method !== "CONNECT");

  test("IMDS goes through HTTP_PROXY when NO_PROXY does not name it", async () => {
    const { answer } = await mountWith(
      { HTTPS_PROXY: proxyUrl, HTTP_PROXY: proxyUrl, AZURE_POD_IDENTITY_AUTHORITY_HOST: imds },
      identityOptions(),
    );
    expect(answer.status).toBe("Failure");
    expect(plainRequestsToProxy().length).toBeGreaterThan(0);
    expect(suite.azure.stats("imds").requests).toBe(0);
  });

  test.each([
    ["an IP address", () => "0.0.0.0"],
    ["an IP address and its port", () => `0.0.0.0:${new URL(imds).port}`],
    ["a CIDR range", () => "0.0.0.0/8"],
  ])("NO_PROXY with %s sends IMDS directly", async (_form, noProxy) => {
    const { answer } = await mountWith(
      { HTTPS_PROXY: proxyUrl, HTTP_PROXY: proxyUrl, NO_PROXY: noProxy(), AZURE_POD_IDENTITY_AUTHORITY_HOST: imds },
      identityOptions(),
    );
    expect(answer).toEqual({ status: "Success" });
    expect(plainRequestsToProxy()).toEqual([]);
    expect(suite.azure.stats("imds").requests).toBe(1);
  });

  describe("a proxy that does not forward IMDS's request is the proxy's, not IMDS's answer", () => {
    /** A proxy that answers every plain request itself with `status`, as a proxy's login or its rules do. */
    let refusing: Server;
    let refusal = 407;
    let authorizations: (string | undefined)[] = [];
    beforeAll(async () => {
      refusing = createServer((req, res) => {
        authorizations.push(req.headers["proxy-authorization"]);
        const headers: Record<string, string> = { "content-type": "text/html" };
        if (refusal === 407) headers["proxy-authenticate"] = 'Basic realm="egress"';
        res.writeHead(refusal, headers).end("<html><body>Access denied by the egress proxy.</body></html>");
      });
      await new Promise<void>((listening) => refusing.listen(0, "127.0.0.1", listening));
    });
    afterAll(() => new Promise((closed) => refusing.close(closed)));
    const refusingProxy = () => `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`;
    const imdsAuthority = () => new URL(imds).host;

    test.each([
      [407, "the proxy asks for credentials: give them in the proxy's URL (http://user:password@host:port)"],
      [
        403,
        "the proxy's rules refuse this host: allow it on the proxy, or, if the node may reach it directly, " +
          "add it to NO_PROXY",
      ],
    ])("a proxy answering %i names the proxy, its status and the fix", async (status, fix) => {
      refusal = status;
      authorizations = [];
      // Credentials with a percent-encoded %: the proxy gets them decoded, the log never shows them.
      const withCredentials = `http://node-egress:100%25-sure@${new URL(refusingProxy()).host}`;
      const { answer, log } = await mountWith(
        {
          HTTPS_PROXY: proxyUrl,
          HTTP_PROXY: withCredentials,
          AZURE_POD_IDENTITY_AUTHORITY_HOST: imds,
          AZURE_LOG_LEVEL: "verbose",
        },
        identityOptions(),
      );
      const refused =
        `the proxy ${refusingProxy()} refused to forward the request to ${imdsAuthority()} (HTTP ${status} ` +
        `${STATUS_CODES[status]})`;
      expect(answer).toEqual({ status: "Failure", message: expect.stringContaining(`${refused}; ${fix}`) });
      expect(log).toContain(refused);
      expect(authorizations[0]).toBe(`Basic ${Buffer.from("node-egress:100%-sure").toString("base64")}`);
      expect(log).not.toContain("-sure");
    });

    test("a proxy that cannot be reached is named, with the variable to check", async () => {
      const { answer } = await mountWith(
        { HTTPS_PROXY: proxyUrl, HTTP_PROXY: "http://127.0.0.1:9", AZURE_POD_IDENTITY_AUTHORITY_HOST: imds },
        { ...identityOptions(), mounttimeout: "20" },
      );
      expect(answer).toEqual({
        status: "Failure",
        message: expect.stringContaining(
          "cannot connect to the proxy http://127.0.0.1:9 (connect ECONNREFUSED 127.0.0.1:9); check HTTP_PROXY",
        ),
      });
    }, 30_000);
  });

  test("NO_PROXY with the IP address and another port still proxies IMDS", async () => {
    await mountWith(
      { HTTPS_PROXY: proxyUrl, HTTP_PROXY: proxyUrl, NO_PROXY: "0.0.0.0:1", AZURE_POD_IDENTITY_AUTHORITY_HOST: imds },
      identityOptions(),
    );
    expect(plainRequestsToProxy().length).toBeGreaterThan(0);
  });
});

describe("certificates are always checked", () => {
  test(
    "NODE_TLS_REJECT_UNAUTHORIZED=0 does not let an " + "untrusted vault certificate through: no token goes to it",
    async () => {
      suite.azure.serveCertificate(VAULT_HOST, "unknown-ca");
      const { answer, log } = await mountWith({ HTTPS_PROXY: proxyUrl, NODE_TLS_REJECT_UNAUTHORIZED: "0" });
      const detail =
        `secret/db-password: network: the TLS certificate presented for ${VAULT_HOST} (through ` +
        `the proxy ${proxyLabel()}) is not trusted ` +
        "(UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate); if a TLS-inspecting proxy " +
        "is on the way, give the driver its CA certificate with NODE_EXTRA_CA_CERTS in kubelet's environment";
      expect(answer).toEqual({ status: "Failure", message: expect.stringContaining(detail) });
      expect(log).toContain(detail);
      expect(suite.azure.requests.filter((r) => r.service === "keyvault")).toEqual([]);
    },
  );

  test.each([
    [
      "expired",
      "has expired (CERT_HAS_EXPIRED: certificate has expired); check the node's clock (date -u), then the " +
        "certificate's dates",
    ],
    [
      "self-signed",
      "is not trusted (DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate); if a TLS-inspecting proxy is on " +
        "the way, give the driver its CA certificate with NODE_EXTRA_CA_CERTS",
    ],
    [
      "wrong-host",
      `names another host (ERR_TLS_CERT_ALTNAME_INVALID: Hostname/IP does not match certificate's ` +
        `altnames: Host: ${LOGIN_HOST}. is not in the cert's altnames: DNS:not-${LOGIN_HOST}); something on ` +
        `the way (a proxy, a DNS or /etc/hosts entry) answers for ${LOGIN_HOST}`,
    ],
  ] as const)(
    "an Azure AD certificate that is %s is named as a certificate problem, in the answer and the log",
    async (kind, reason) => {
      suite.azure.serveCertificate(LOGIN_HOST, kind);
      const { answer, log } = await mountWith({ HTTPS_PROXY: proxyUrl });
      const message =
        `cannot get an access token: the TLS certificate presented for ${LOGIN_HOST} (through ` +
        `the proxy ${proxyLabel()}) ${reason}`;
      expect(answer).toEqual({ status: "Failure", message: expect.stringContaining(message) });
      expect(String(answer.message)).not.toContain("network error after retries");
      expect(log).toContain(message.replace("cannot get an access token: ", ""));
    },
  );
});

describe("a proxy's refusal is the proxy's", () => {
  test("403 to CONNECT the vault names the proxy and its status, with no access policy fix", async () => {
    suite.azure.refuseTunnels(VAULT_HOST, 403);
    const { answer } = await mountWith({ HTTPS_PROXY: proxyUrl });
    const message = String(answer.message);
    expect(message).toContain(
      `secret/db-password: network: the proxy ${proxyLabel()} refused to tunnel to ${VAULT_HOST}:443 (HTTP ` +
        `403 Forbidden); the proxy's rules refuse this host: allow it on the proxy, or, if the node may reach ` +
        `it directly, add it to NO_PROXY`,
    );
    expect(message).not.toContain("set-policy");
    expect(message).not.toContain("forbidden:");
  });

  test("407 to CONNECT Azure AD asks for the proxy's credentials, and shows none", async () => {
    suite.azure.refuseTunnels(LOGIN_HOST, 407);
    const withCredentials = new URL(proxyUrl);
    withCredentials.username = "node-egress";
    withCredentials.password = "proxy-password-5d2a";
    const { answer, log } = await mountWith({ HTTPS_PROXY: withCredentials.href });
    expect(answer).toEqual({
      status: "Failure",
      message:
        `cannot get an access token: the proxy ${proxyLabel()} refused to tunnel to ${LOGIN_HOST}:443 (HTTP ` +
        `407 Proxy Authentication Required); the proxy asks for credentials: give them in the proxy's URL ` +
        `(http://user:password@host:port)`,
    });
    expect(log).not.toContain("proxy-password-5d2a");
  });

  test("a proxy that cannot be reached is named", async () => {
    const { answer } = await mountWith({ HTTPS_PROXY: "http://127.0.0.1:9" }, { mounttimeout: "20" });
    expect(answer).toEqual({
      status: "Failure",
      message: expect.stringContaining(
        "cannot connect to the proxy http://127.0.0.1:9 (connect ECONNREFUSED 127.0.0.1:9); check HTTPS_PROXY",
      ),
    });
  }, 30_000);
});

describe("an https:// proxy", () => {
  let azure: AzureStandIn;
  let sp: ServicePrincipal;
  beforeAll(async () => {
    azure = await startAzureStandIn({ proxyOverTls: true });
    sp = azure.addServicePrincipal();
    const vault = azure.addVault("contoso-kv");
    vault.addSecret("db-password", "x");
    vault.grant(sp.clientId);
  });
  afterAll(() => azure.close());

  test("is spoken to over TLS, its certificate checked, and tunnels through", async () => {
    const kubelet = new Kubelet(azure.env);
    try {
      const volume = kubelet.newVolume();
      const answer = expectSingleJson(
        (
          await kubelet.mount(
            volume,
            kubeletOptions(
              {
                keyvaultname: "contoso-kv",
                keyvaultobjectnames: "db-password",
                keyvaultobjecttypes: "secret",
                tenantid: azure.tenantId,
              },
              sp,
            ),
          )
        ).combined,
      );
      expect(azure.env.HTTPS_PROXY).toMatch(/^https:\/\//);
      expect(answer).toEqual({ status: "Success" });
      expect(tunnels(azure).sort()).toEqual([`${VAULT_HOST}:443`, `${LOGIN_HOST}:443`]);
    } finally {
      kubelet.cleanUp();
    }
  });
});
