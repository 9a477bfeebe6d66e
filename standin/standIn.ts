// startAzureStandIn: local servers that play Azure for the driver (and the real Azure
// SDK inside it), reachable only through the standard variables in `env`:
//   HTTPS_PROXY          -> a CONNECT proxy that terminates TLS for Azure hosts and
//                           hands requests to Key Vault / Azure AD stand-ins (http://, or
//                           https:// with proxyOverTls)
//   NODE_EXTRA_CA_CERTS  -> the test CA those TLS certificates come from
//   AZURE_POD_IDENTITY_AUTHORITY_HOST -> the IMDS stand-in
//   nmiPort (a volume option) -> the NMI stand-in on localhost (127.0.0.1 and ::1)
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { IncomingMessage, RequestListener, Server, ServerResponse, createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { handleAad } from "./aad";
import { CertificateKind, TestCa } from "./ca";
import {
  AZURE_PUBLIC_CLOUD,
  Cloud,
  CloudName,
  WELL_KNOWN_CLOUDS,
  azureStackCloud,
  environmentFileJson,
} from "./clouds";
import { SocketTracker, closeServer, hostOf, listen, sendJson } from "./http";
import { Directory, ManagedIdentity, ServicePrincipal } from "./identities";
import { handleImds } from "./imds";
import { handleKeyVault, keyVaultTarget } from "./keyVault";
import { NmiContext, handleNmi } from "./nmi";
import { startDirectTls } from "./directTls";
import { startConnectProxy } from "./proxy";
import { TokenIssuer } from "./tokens";
import { Fault, FaultScope, RequestRecord, ServiceKind, ServiceStats, TlsSessionRecord, Traffic } from "./traffic";
import { Vault } from "./vault";
import { Federation } from "./federation";

export interface StandInOptions {
  /** Tenant of vaults and principals that name none. Default: a random GUID. */
  tenantId?: string;
  /** An Azure Stack Hub cloud; `env` then names its environment file (AZURE_ENVIRONMENT_FILEPATH). */
  azureStack?: { loginHost: string; vaultDnsSuffix: string };
  /** Lifetime of every access token issued (AAD, IMDS, NMI). Default 3599 s. */
  tokenLifetimeSeconds?: number;
  /**
   * Also serve Azure directly on port 443 of this loopback address (needs root), for a
   * driver that resolves the Azure host names there (standin/directTls.ts).
   */
  directAddress?: string;
  /** The proxy is an https:// one: the driver speaks TLS to it, then through it. */
  proxyOverTls?: boolean;
}

export interface AzureStandIn {
  /** The driver child's environment for Azure (add PATH, KV_DRIVER_LOG, ...). */
  env: Record<string, string>;
  /** The `nmiport` volume option. */
  nmiPort: number;
  tenantId: string;
  /** Clouds served, by name (AzureStackCloud only when configured). */
  clouds: Partial<Record<CloudName, Cloud>>;

  addVault(name: string, o?: { cloud?: CloudName; tenantId?: string; location?: string }): Vault;
  vault(name: string, cloud?: CloudName): Vault;
  addServicePrincipal(o?: Partial<ServicePrincipal>): ServicePrincipal;
  addManagedIdentity(o?: Partial<ManagedIdentity>): ManagedIdentity;
  /** Binds pod `<namespace>/<podName>` to a managed identity, for NMI. */
  addPodIdentity(namespace: string, podName: string, identityClientId: string): void;
  /** NMI answers the next `requests` token requests 500, as while an identity is being assigned. */
  setNmiNotReady(requests: number): void;
  /**
   * Workload identity federation: identities with federated credentials, and the issuers whose keys Azure AD can fetch.
   */
  federation: Federation;
  /** Invalidates every token issued so far (Key Vault then answers 401). */
  revokeAllTokens(): void;

  injectFault(fault: Fault, scope?: FaultScope): void;
  /** `host` (an Azure host) presents this certificate, through the proxy and directly. */
  serveCertificate(host: string, kind: CertificateKind): void;
  /** The proxy answers CONNECT to `host` with `status` (403: its allow list; 407: its login). */
  refuseTunnels(host: string, status: number): void;
  /** Removes injected faults, certificates and refusals. */
  clearFaults(): void;
  /** Every request seen, in arrival order (CONNECTs as service "proxy"). */
  readonly requests: readonly RequestRecord[];
  /** Every TLS session the proxy set up, in order (reset with the stats). */
  readonly tlsSessions: readonly TlsSessionRecord[];
  stats(service: ServiceKind): ServiceStats;
  resetStats(): void;
  /** Connections to the proxy still open: every connection to Azure goes through it. */
  openConnections(): number;
  /** Connections to the NMI stand-in still open (loopback, never through the proxy). */
  openNmiConnections(): number;

  close(): Promise<void>;
}

export async function startAzureStandIn(options: StandInOptions = {}): Promise<AzureStandIn> {
  const dir = mkdtempSync(join(tmpdir(), "kv-standin-"));
  const tenantId = options.tenantId ?? randomUUID();
  const stack = options.azureStack && azureStackCloud(options.azureStack.loginHost, options.azureStack.vaultDnsSuffix);
  const clouds = [...WELL_KNOWN_CLOUDS, ...(stack ? [stack] : [])];
  const cloudByName = Object.fromEntries(clouds.map((c) => [c.name, c])) as Partial<Record<CloudName, Cloud>>;
  const loginHosts = new Set(clouds.flatMap((c) => c.loginHosts));

  const directory = new Directory(tenantId);
  const tokens = new TokenIssuer(options.tokenLifetimeSeconds);
  const traffic = new Traffic();
  const vaults = new Map<string, Vault>(); // by host
  const nmiCtx: NmiContext = { directory, tokens, notReadyRequests: 0 };
  const kvCtx = { vaultByHost: (host: string) => vaults.get(host), tokens };
  const federation = new Federation(tenantId);
  const aadCtx = { clouds, directory, tokens, federation };

  const ca = await TestCa.create(dir);
  const sockets = new SocketTracker();

  // Azure behind the proxy: one server for every host, routed by Host header.
  const azure = createServer(
    guarded((req, res) => {
      const host = hostOf(req);
      if (vaults.has(host)) {
        return traffic.serve(keyVaultTarget(kvCtx, req), req, res, () => handleKeyVault(kvCtx, req, res));
      }
      if (loginHosts.has(host)) return traffic.serve({ service: "aad" }, req, res, () => handleAad(aadCtx, req, res));
      sendJson(res, 421, { error: `no stand-in for host ${host}` });
    }),
  );
  sockets.watch(azure);
  const isAzureHost = (host: string) => vaults.has(host) || loginHosts.has(host);
  const certificates = new Map<string, CertificateKind>();
  const refusals = new Map<string, number>();
  const certificateOf = (host: string) => certificates.get(host) ?? "valid";
  const proxy = await startConnectProxy({
    ca,
    inner: azure,
    traffic,
    isAzureHost,
    certificateOf,
    refusalFor: (host) => refusals.get(host),
    tls: options.proxyOverTls ? await ca.serverCredentials("127.0.0.1") : undefined,
  });

  const direct =
    options.directAddress &&
    (await startDirectTls({
      ca,
      inner: azure,
      traffic,
      sockets,
      address: options.directAddress,
      isAzureHost,
      certificateOf,
    }));

  const plainService = (service: ServiceKind, handle: (req: IncomingMessage, res: ServerResponse) => void) =>
    guarded((req, res) => traffic.serve({ service }, req, res, () => handle(req, res)));
  const imds = createServer(plainService("imds", (req, res) => handleImds({ directory, tokens }, req, res)));
  sockets.watch(imds);
  const imdsPort = await listen(imds, "127.0.0.1");
  const nmiSockets = new SocketTracker();
  const nmi = await listenOnLoopback(
    plainService("nmi", (req, res) => handleNmi(nmiCtx, req, res)),
    nmiSockets,
  );

  const env: Record<string, string> = {
    HTTPS_PROXY: proxy.url,
    HTTP_PROXY: proxy.url,
    NO_PROXY: "127.0.0.1,localhost,::1",
    NODE_EXTRA_CA_CERTS: ca.pemPath,
    AZURE_POD_IDENTITY_AUTHORITY_HOST: `http://127.0.0.1:${imdsPort}`,
  };
  if (stack) {
    const file = join(dir, "azurestackcloud.json");
    writeFileSync(file, environmentFileJson(stack));
    env.AZURE_ENVIRONMENT_FILEPATH = file;
  }

  const cloudNamed = (name: CloudName): Cloud => {
    const cloud = cloudByName[name];
    if (!cloud) throw new Error(`cloud ${name} is not served (AzureStackCloud needs options.azureStack)`);
    return cloud;
  };

  return {
    env,
    nmiPort: nmi.port,
    tenantId,
    clouds: cloudByName,
    addVault(name, o = {}) {
      const vault = new Vault(
        name,
        o.cloud ? cloudNamed(o.cloud) : AZURE_PUBLIC_CLOUD,
        o.tenantId ?? tenantId,
        o.location,
      );
      vaults.set(vault.host, vault);
      return vault;
    },
    vault(name, cloud = "AzurePublicCloud") {
      const vault = vaults.get(`${name}.${cloudNamed(cloud).vaultDnsSuffix}`.toLowerCase());
      if (!vault) throw new Error(`no vault ${name} in ${cloud}`);
      return vault;
    },
    addServicePrincipal: (o) => directory.addServicePrincipal(o),
    addManagedIdentity: (o) => directory.addManagedIdentity(o),
    addPodIdentity: (ns, pod, clientId) => directory.addPodIdentity(ns, pod, clientId),
    setNmiNotReady: (requests) => void (nmiCtx.notReadyRequests = requests),
    federation,
    revokeAllTokens: () => tokens.revokeAll(),
    injectFault: (fault, scope) => traffic.injectFault(fault, scope),
    serveCertificate: (host, kind) => void certificates.set(host, kind),
    refuseTunnels: (host, status) => void refusals.set(host, status),
    clearFaults: () => {
      traffic.clearFaults();
      certificates.clear();
      refusals.clear();
    },
    requests: traffic.requests,
    tlsSessions: traffic.tlsSessions,
    stats: (service) => ({ ...traffic.stats(service) }),
    resetStats: () => traffic.resetStats(),
    openConnections: () => proxy.openConnections(),
    openNmiConnections: () => nmiSockets.size,
    async close() {
      traffic.close();
      sockets.destroyAll();
      nmiSockets.destroyAll();
      await proxy.close();
      if (direct) await direct.close();
      await Promise.all([closeServer(azure), closeServer(imds), ...nmi.servers.map(closeServer)]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Answers 500 instead of crashing the test process when a stand-in handler throws. */
function guarded(handler: (req: IncomingMessage, res: ServerResponse) => unknown): RequestListener {
  return (req, res) => {
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: { code: "StandInBug", message: String(err) } });
        else res.destroy();
      });
  };
}

/**
 * One port on both 127.0.0.1 and ::1: the driver dials "localhost", which may
 * resolve to either. Hosts without IPv6 get the IPv4 listener only.
 */
async function listenOnLoopback(
  handler: RequestListener,
  sockets: SocketTracker,
): Promise<{ port: number; servers: Server[] }> {
  for (let attempt = 0; ; attempt++) {
    const v4 = createServer(handler);
    sockets.watch(v4);
    const port = await listen(v4, "127.0.0.1");
    const v6 = createServer(handler);
    sockets.watch(v6);
    try {
      await listen(v6, "::1", port);
      return { port, servers: [v4, v6] };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EADDRNOTAVAIL" || code === "EAFNOSUPPORT") return { port, servers: [v4] };
      await closeServer(v4);
      if (attempt >= 5) throw err; // the port was taken on ::1 every time
    }
  }
}
