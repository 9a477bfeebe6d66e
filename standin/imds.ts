// The VM's Instance Metadata Service token endpoint, as ManagedIdentityCredential
// (MSAL's IMDS source) calls it: GET /metadata/identity/oauth2/token with
// api-version, resource, optional client_id, and the `Metadata: true` header.
import { IncomingMessage, ServerResponse } from "node:http";
import { sendJson } from "./http";
import { Directory, ManagedIdentity } from "./identities";
import { TokenIssuer } from "./tokens";

export interface ImdsContext {
  directory: Directory;
  tokens: TokenIssuer;
}

export function handleImds(ctx: ImdsContext, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", "http://imds");
  const invalid = (description: string) =>
    sendJson(res, 400, { error: "invalid_request", error_description: description });

  if (url.pathname.replace(/\/$/, "") !== "/metadata/identity/oauth2/token") {
    return sendJson(res, 404, { error: "not_found", error_description: `${url.pathname} is not an IMDS endpoint` });
  }
  // The header proves the caller is not a browser tricked into a request (SSRF).
  if (req.headers.metadata !== "true") return invalid("Required metadata header not specified");
  if (!url.searchParams.get("api-version")) return invalid("Required query variable 'api-version' is missing");
  const resource = url.searchParams.get("resource");
  if (!resource) return invalid("Required query variable 'resource' is missing");

  const picked = pickIdentity(ctx.directory, url.searchParams.get("client_id"));
  if (typeof picked === "string") return invalid(picked);

  const t = ctx.tokens.issue(picked, resource);
  // IMDS answers every number as a string.
  sendJson(res, 200, {
    access_token: t.accessToken,
    client_id: picked.clientId,
    expires_in: String(t.expiresIn),
    expires_on: String(t.expiresOn),
    ext_expires_in: String(t.expiresIn),
    not_before: String(t.expiresOn - t.expiresIn),
    resource,
    token_type: "Bearer",
  });
}

/** The identity a request names, or IMDS's complaint. */
function pickIdentity(directory: Directory, clientId: string | null): ManagedIdentity | string {
  if (clientId) return directory.managedIdentity(clientId) ?? "Identity not found";
  const systemAssigned = directory.systemAssignedIdentity();
  if (systemAssigned) return systemAssigned;
  // Without a system-assigned identity, a lone user-assigned one is the default.
  const all = [...directory.managedIdentities.values()];
  if (all.length === 1) return all[0];
  return all.length === 0
    ? "Identity not found"
    : "Multiple user assigned identities exist, please specify the clientId / resourceId of the identity in " +
        "the token request";
}
