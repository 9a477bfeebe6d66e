// Key Vault's data plane for GETs of secrets, keys and certificates: the bearer
// challenge the SDK starts with, token checks (tenant, audience), the access
// policy (403) and versions (404).
import { IncomingMessage, ServerResponse } from "node:http";
import { sameResource } from "./clouds";
import { hostOf, sendJson } from "./http";
import { COLLECTION, ObjectType, forbiddenError, kvError, notFoundError } from "./kvShapes";
import { TokenIssuer } from "./tokens";
import { Target } from "./traffic";
import { Vault } from "./vault";

export interface KeyVaultContext {
  vaultByHost(host: string): Vault | undefined;
  tokens: TokenIssuer;
}

interface ObjectRoute {
  type: ObjectType;
  name: string;
  /** Empty: latest. The SDK asks for `/secrets/<name>/` when it wants the latest. */
  version: string;
}

const TYPE_OF_COLLECTION = new Map(Object.entries(COLLECTION).map(([t, c]) => [c, t as ObjectType]));

function parseRoute(req: IncomingMessage): ObjectRoute | undefined {
  const path = new URL(req.url ?? "/", "https://vault").pathname;
  const m = /^\/([a-z]+)\/([^/]+)(?:\/([^/]*))?\/?$/.exec(path);
  const type = m && TYPE_OF_COLLECTION.get(m[1]);
  if (!m || !type) return undefined;
  return { type, name: decodeURIComponent(m[2]), version: decodeURIComponent(m[3] ?? "") };
}

export function keyVaultTarget(ctx: KeyVaultContext, req: IncomingMessage): Target {
  const route = parseRoute(req);
  return {
    service: "keyvault",
    vault: ctx.vaultByHost(hostOf(req))?.name,
    objectType: route?.type,
    name: route?.name,
  };
}

export function handleKeyVault(ctx: KeyVaultContext, req: IncomingMessage, res: ServerResponse): void {
  const vault = ctx.vaultByHost(hostOf(req));
  if (!vault) return sendJson(res, 404, kvError("VaultNotFound", `No vault answers at ${hostOf(req)}.`));
  if (!new URL(req.url ?? "/", vault.url).searchParams.get("api-version")) {
    return sendJson(res, 400, kvError("BadParameter", "The 'api-version' query parameter is missing."));
  }

  // Authentication: the SDK's first request carries no token on purpose, to learn
  // from this challenge which authority and resource to ask a token for.
  const challenge = {
    "www-authenticate":
      `Bearer authorization="https://${vault.cloud.authorityHost}/${vault.tenantId}", ` +
      `resource="${vault.cloud.vaultResource}"`,
  };
  const unauthorized = (message: string) => sendJson(res, 401, kvError("Unauthorized", message), challenge);
  const bearer = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
  if (!bearer) return unauthorized("AKV10000: Request is missing a Bearer or PoP token.");
  const grant = ctx.tokens.verify(bearer);
  if (!grant) return unauthorized("AKV10013: The access token is unknown or has expired.");
  if (grant.tenantId.toLowerCase() !== vault.tenantId.toLowerCase()) {
    return unauthorized(
      `AKV10032: Invalid issuer. Expected one of https://sts.windows.net/${vault.tenantId}/, ` +
        `found https://sts.windows.net/${grant.tenantId}/.`,
    );
  }
  if (!sameResource(grant.audience, vault.cloud.vaultResource)) {
    return unauthorized(`AKV10022: Invalid audience. Expected ${vault.cloud.vaultResource}, found: ${grant.audience}.`);
  }

  const route = parseRoute(req);
  if (req.method !== "GET" || !route) {
    return sendJson(
      res,
      400,
      kvError("BadParameter", `The stand-in serves GET of secrets, keys and certificates only.`),
    );
  }
  // Permission is checked before existence: without it, a missing object is a 403 too.
  if (!vault.mayGet(grant.clientId, route.type)) {
    return sendJson(res, 403, forbiddenError(grant, route.type, vault));
  }
  const found = vault.find(route.type, route.name, route.version);
  if (!found) {
    return sendJson(res, 404, notFoundError(route.type, route.version ? `${route.name}/${route.version}` : route.name));
  }
  sendJson(res, 200, found.body);
}
