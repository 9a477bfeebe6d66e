// Turns what went wrong fetching one object into a cause and a fix an operator can act on.
import { ContentError } from "../errors";
import { connectionProblemOf } from "../http/connectionProblems";
import type { FailureCause, ObjectFailure } from "../model/objectFailure";
import { objectLabel, type ObjectSpec, type ObjectType } from "../model/objectSpec";

/** Who asked which vault, as it stands when a failure is described. */
export interface FailureContext {
  readonly vaultName: string;
  /** Who asked, e.g. "service principal 1234..." */
  readonly principal: string;
  /** Client id to grant permissions to, when known. */
  readonly clientId?: string;
  /** True while the token asked for has not come: nothing could be asked of the vault. */
  readonly awaitingToken: boolean;
}

interface RestLikeError {
  name?: string;
  statusCode?: number;
  code?: string;
  message?: string;
}

const PERMISSION_SCOPE: Record<ObjectType, { words: string; cli: string; role: string }> = {
  secret: { words: "secrets", cli: "--secret-permissions get", role: "Key Vault Secrets User" },
  key: { words: "keys", cli: "--key-permissions get", role: "Key Vault Crypto User" },
  cert: { words: "certificates", cli: "--certificate-permissions get", role: "Key Vault Certificate User" },
};

const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "REQUEST_SEND_ERROR",
]);

function forbiddenFix(spec: ObjectSpec, context: FailureContext): string {
  const scope = PERMISSION_SCOPE[spec.type];
  const who = context.clientId ?? "<client-id>";
  return (
    `${context.principal} lacks 'get' on ${scope.words} in key vault ${context.vaultName}; ` +
    `grant it with 'az keyvault set-policy --name ${context.vaultName} ${scope.cli} --spn ${who}' ` +
    `(or, on an RBAC vault, the role '${scope.role}')`
  );
}

function classify(error: RestLikeError, spec: ObjectSpec, context: FailureContext): [FailureCause, string] {
  const status = error.statusCode;
  if (error instanceof ContentError) return ["invalid content", error.message];
  // A certificate that does not verify, a proxy that refused: no answer from Key Vault came at all.
  const connectionProblem = connectionProblemOf(error);
  if (connectionProblem) return ["network", connectionProblem];
  if (status === 404) {
    const what = spec.version ? `version ${spec.version} of ${spec.type} ${spec.name}` : `${spec.type} ${spec.name}`;
    return [
      "not found",
      `${what} does not exist in key vault ${context.vaultName}; check keyvaultobjectnames, keyvaultobjecttypes ` +
        `and keyvaultobjectversions`,
    ];
  }
  if (status === 403) return ["forbidden", forbiddenFix(spec, context)];
  if (status === 401)
    return [
      "unauthorized",
      `key vault ${context.vaultName} refused the token of ${context.principal}; check tenantid and that the ` +
        `identity belongs to the vault's tenant`,
    ];
  if (status === 429)
    return [
      "throttled",
      `key vault ${context.vaultName} kept throttling (HTTP 429) after retries; try again later or mount fewer ` +
        `objects at once`,
    ];
  if (error.name === "AbortError") return ["timeout", "the mount's deadline passed before this object arrived"];
  if (status !== undefined && status >= 500) {
    return [
      "error",
      `key vault, or a proxy on the way, answered HTTP ${status} after retries; check the vault's name and ` +
        `the node's HTTPS_PROXY`,
    ];
  }
  if (error.code && NETWORK_CODES.has(error.code))
    return [
      "network",
      `cannot reach key vault ${context.vaultName} (${error.code}); check the node's DNS, egress firewall and ` +
        `HTTPS_PROXY`,
    ];
  return ["error", error.message ?? "unknown error"];
}

export function describeFailure(error: unknown, spec: ObjectSpec, context: FailureContext): ObjectFailure {
  const [cause, detail] = classify(error ?? {}, spec, context);
  return { object: objectLabel(spec), cause, detail };
}
