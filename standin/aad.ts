// Azure AD as MSAL (inside @azure/identity's ClientSecretCredential) uses it:
// instance discovery, OpenID configuration, and the client-credentials token
// endpoint (v2 with `scope`, v1 with `resource`). Errors carry the real AADSTS codes.
import { randomUUID } from "node:crypto";
import { IncomingMessage, ServerResponse } from "node:http";
import { Cloud, WELL_KNOWN_CLOUDS, sameResource } from "./clouds";
import { hostOf, readBody, sendJson } from "./http";
import { Directory, Principal } from "./identities";
import { TokenIssuer } from "./tokens";
import type { Federation } from "./federation";

export interface AadContext {
  clouds: readonly Cloud[];
  directory: Directory;
  tokens: TokenIssuer;
  federation: Federation;
}

export async function handleAad(ctx: AadContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const host = hostOf(req);
  const url = new URL(req.url ?? "/", `https://${host}`);
  const [tenant = "", ...rest] = url.pathname.split("/").filter(Boolean);
  const route = `${req.method} /${rest.join("/")}`;

  if (route === "GET /discovery/instance") return instanceDiscovery(res, url);
  if (route === "GET /v2.0/.well-known/openid-configuration" || route === "GET /.well-known/openid-configuration") {
    if (!ctx.directory.hasTenant(tenant)) return tenantNotFound(res, host, tenant);
    return sendJson(res, 200, openIdConfiguration(host, tenant, rest[0] === "v2.0"));
  }
  if (route === "POST /oauth2/v2.0/token" || route === "POST /oauth2/token") {
    const cloud = ctx.clouds.find((c) => c.loginHosts.includes(host));
    if (!cloud) return aadError(res, 400, host, "invalid_request", 90002, `Host '${host}' is not a login host.`);
    if (!ctx.directory.hasTenant(tenant)) return tenantNotFound(res, host, tenant);
    const form = new URLSearchParams(await readBody(req));
    return tokenRequest(ctx, res, {
      host,
      tenant,
      cloud,
      v2: rest[1] === "v2.0",
      form,
      authorization: req.headers.authorization,
    });
  }
  return aadError(res, 404, host, "invalid_request", 900561, `The endpoint ${route} is not served here.`);
}

// MSAL asks the public cloud about the authority host it was given. AAD knows its
// own clouds and answers invalid_instance for anything else (an Azure Stack host).
function instanceDiscovery(res: ServerResponse, url: URL): void {
  const endpoint = url.searchParams.get("authorization_endpoint") ?? "";
  let authority: URL;
  try {
    authority = new URL(endpoint);
  } catch {
    return aadError(res, 400, url.hostname, "invalid_request", 50049, "Unknown or invalid instance.");
  }
  const metadata = WELL_KNOWN_CLOUDS.map((c) => ({
    preferred_network: c.loginHosts[0],
    preferred_cache: c.loginHosts[0],
    aliases: c.loginHosts,
  }));
  if (!metadata.some((m) => m.aliases.includes(authority.hostname))) {
    return aadError(res, 400, url.hostname, "invalid_instance", 50049, "Unknown or invalid instance.");
  }
  const tenant = authority.pathname.split("/").filter(Boolean)[0] ?? "common";
  sendJson(res, 200, {
    tenant_discovery_endpoint: `https://${authority.hostname}/${tenant}/v2.0/.well-known/openid-configuration`,
    "api-version": "1.1",
    metadata,
  });
}

function openIdConfiguration(host: string, tenant: string, v2: boolean): object {
  const base = `https://${host}/${tenant}`;
  const oauth = v2 ? `${base}/oauth2/v2.0` : `${base}/oauth2`;
  return {
    token_endpoint: `${oauth}/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `${base}/discovery/${v2 ? "v2.0/" : ""}keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "token id_token", "token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer: v2 ? `${base}/v2.0` : `https://sts.windows.net/${tenant}/`,
    request_uri_parameter_supported: false,
    authorization_endpoint: `${oauth}/authorize`,
    device_authorization_endpoint: `${oauth}/devicecode`,
    end_session_endpoint: `${oauth}/logout`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    tenant_region_scope: "NA",
    cloud_instance_name: host.replace(/^login\./, ""),
    cloud_graph_host_name: "graph.windows.net",
    msgraph_host: "graph.microsoft.com",
  };
}

interface TokenRequest {
  host: string;
  tenant: string;
  cloud: Cloud;
  v2: boolean;
  form: URLSearchParams;
  authorization?: string;
}

function tokenRequest(ctx: AadContext, res: ServerResponse, r: TokenRequest): void {
  const { form, host, tenant } = r;
  const grantType = form.get("grant_type");
  if (grantType !== "client_credentials") {
    return aadError(
      res,
      400,
      host,
      "unsupported_grant_type",
      70003,
      `The app requested an unsupported grant type '${grantType ?? ""}'.`,
    );
  }
  // client_secret_post (what MSAL sends) or client_secret_basic.
  const basic = /^Basic (.+)$/i.exec(r.authorization ?? "");
  const [basicId, basicSecret] = basic ? Buffer.from(basic[1], "base64").toString().split(":") : [];
  const clientId = form.get("client_id") ?? (basicId && decodeURIComponent(basicId)) ?? "";
  const clientSecret = form.get("client_secret") ?? (basicSecret && decodeURIComponent(basicSecret));

  if (form.has("client_assertion") || ctx.federation.has(clientId)) {
    const signedIn = ctx.federation.signIn(
      clientId,
      tenant,
      form.get("client_assertion_type"),
      form.get("client_assertion") ?? "",
    );
    if ("principal" in signedIn) return grant(ctx, res, r, signedIn.principal);
    return aadError(res, signedIn.status, host, signedIn.error, signedIn.code, signedIn.text);
  }
  const sp = ctx.directory.servicePrincipal(clientId);
  if (!sp || sp.tenantId.toLowerCase() !== tenant.toLowerCase()) {
    return aadError(
      res,
      400,
      host,
      "unauthorized_client",
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the ` +
        "application has not been installed by the administrator of the tenant or consented to by any user in the " +
        "tenant. You may have sent your authentication request to the wrong tenant.",
    );
  }
  if (!clientSecret) {
    return aadError(
      res,
      401,
      host,
      "invalid_client",
      7000216,
      "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
    );
  }
  if (clientSecret !== sp.clientSecret) {
    return aadError(
      res,
      401,
      host,
      "invalid_client",
      7000215,
      "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, " +
        `not the client secret ID, for a secret added to app '${sp.clientId}'.`,
    );
  }
  grant(ctx, res, r, sp);
}

/** The token for a signed-in principal, when the scope names the cloud's Key Vault. */
function grant(ctx: AadContext, res: ServerResponse, r: TokenRequest, who: Principal): void {
  const { form, host, tenant } = r;
  const resource = r.v2 ? resourceOfScope(form.get("scope") ?? "") : (form.get("resource") ?? "");
  if (!resource) {
    return aadError(
      res,
      400,
      host,
      "invalid_scope",
      1002012,
      `The provided value for scope ${form.get("scope") ?? ""} is not valid. Client credential flows must have a ` +
        "scope value with /.default suffixed to the resource identifier (application ID URI).",
    );
  }
  if (!sameResource(resource, r.cloud.vaultResource)) {
    return aadError(
      res,
      400,
      host,
      "invalid_resource",
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${tenant}. This can happen if ` +
        "the application has not been installed by the administrator of the tenant or consented to by any user in " +
        "the tenant. You might have sent your authentication request to the wrong tenant.",
    );
  }
  sendJson(res, 200, tokenAnswer(ctx.tokens, who, resource, r.v2));
}

/** The scope "https://vault.azure.net/.default" names the resource "https://vault.azure.net". */
function resourceOfScope(scope: string): string {
  const dflt = scope.split(" ").find((s) => s.endsWith("/.default"));
  return dflt ? dflt.slice(0, -"/.default".length) : "";
}

function tokenAnswer(tokens: TokenIssuer, who: Principal, resource: string, v2: boolean): object {
  const t = tokens.issue(who, resource);
  if (v2) {
    return { token_type: "Bearer", expires_in: t.expiresIn, ext_expires_in: t.expiresIn, access_token: t.accessToken };
  }
  // v1 answers numbers as strings, and names the resource.
  return {
    token_type: "Bearer",
    expires_in: String(t.expiresIn),
    ext_expires_in: String(t.expiresIn),
    expires_on: String(t.expiresOn),
    not_before: String(t.expiresOn - t.expiresIn),
    resource,
    access_token: t.accessToken,
  };
}

function tenantNotFound(res: ServerResponse, host: string, tenant: string): void {
  aadError(
    res,
    400,
    host,
    "invalid_tenant",
    90002,
    `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the ` +
      "correct cloud. Check with your subscription administrator, this may happen if there are no active " +
      "subscriptions for the tenant.",
  );
}

function aadError(res: ServerResponse, status: number, host: string, error: string, code: number, text: string): void {
  sendJson(res, status, aadErrorBody(host, error, code, text));
}

/** AAD's OAuth error JSON: error, "AADSTSnnn: ..." description with trace lines, error_codes. */
export function aadErrorBody(host: string, error: string, code: number, text: string): object {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date()
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "Z");
  return {
    error,
    error_description:
      `AADSTS${code}: ${text}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}` +
      `\r\nTimestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://${host}/error?code=${code}`,
  };
}
