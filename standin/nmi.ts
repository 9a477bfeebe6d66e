// aad-pod-identity's Node Managed Identity server, the endpoint the Go driver (and
// this one) call for `usepodidentity`: GET /host/token/?resource=... with podname
// and podns headers. Errors are plain text (Go's http.Error), as NMI writes them.
import { IncomingMessage, ServerResponse } from "node:http";
import { sendJson, sendText } from "./http";
import { Directory } from "./identities";
import { TokenIssuer } from "./tokens";

export interface NmiContext {
  directory: Directory;
  tokens: TokenIssuer;
  /** Requests still to answer 500 before NMI is "ready" (the pod's identity not yet assigned). */
  notReadyRequests: number;
}

export function handleNmi(ctx: NmiContext, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", "http://nmi");
  if (url.pathname.replace(/\/$/, "") !== "/host/token") return sendText(res, 404, "404 page not found");

  const podns = String(req.headers.podns ?? "");
  const podname = String(req.headers.podname ?? "");
  if (!podns || !podname) return sendText(res, 400, "missing podname and podns from request");
  const resource = url.searchParams.get("resource");
  if (!resource) return sendText(res, 400, "parameter resource cannot be empty");

  if (ctx.notReadyRequests > 0) {
    ctx.notReadyRequests--;
    return sendText(res, 500, `failed to get identities for pod ${podns}/${podname}: identity not yet assigned`);
  }
  const identity = ctx.directory.identityOfPod(podns, podname);
  if (!identity) {
    return sendText(res, 404, `no AzureAssignedIdentity found for pod:${podns}/${podname} in assigned state`);
  }

  const t = ctx.tokens.issue(identity, resource);
  // adal.Token's JSON: every number is a string.
  sendJson(res, 200, {
    token: {
      access_token: t.accessToken,
      refresh_token: "",
      expires_in: String(t.expiresIn),
      expires_on: String(t.expiresOn),
      not_before: String(t.expiresOn - t.expiresIn),
      resource,
      token_type: "Bearer",
    },
    clientid: identity.clientId,
  });
}
