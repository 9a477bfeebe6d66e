// Azure AD's refusals of a service account token, explained: what it was shown (the token's own
// issuer, subject and audience, decoded here, never the token itself) and what to register.
import { IdentityError } from "../errors";
import { CLIENT_ID_ANNOTATION, TENANT_ID_ANNOTATION } from "../model/identity";

/** Who asked Azure AD, with what. */
export interface Federation {
  clientId: string;
  tenantId: string;
  /** The token's `iss`: exactly what the federated credential must name. */
  issuer: string;
  /** `system:serviceaccount:<namespace>:<name>` */
  subject: string;
  audience: string;
  /** Names the federated credential a command would create, e.g. `kv-shop-cart`. */
  serviceAccount: { namespace: string; name: string };
}

/** The claims of a JWT's payload, decoded without verifying it (it is ours; only its words are wanted). */
export function jwtClaims(token: string): Record<string, unknown> {
  try {
    const claims: unknown = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8"));
    return typeof claims === "object" && claims !== null && !Array.isArray(claims)
      ? (claims as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** A federated credential's name: 3-120 letters, digits, '-' and '_', starting with a letter or digit. */
function credentialName({ namespace, name }: Federation["serviceAccount"]): string {
  return `kv-${namespace}-${name}`.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 120);
}

/** The Azure CLI commands that register the federated credential this token needs. */
export function federatedCredentialCommand(federation: Federation): string {
  const { issuer, subject, audience, clientId } = federation;
  const name = credentialName(federation.serviceAccount);
  const parameters = JSON.stringify({ name, issuer, subject, audiences: [audience] });
  return (
    `az identity federated-credential create --name ${name} --identity-name <managed identity name> --resource-group ` +
    `<its resource group> ` +
    `--issuer ${issuer} --subject ${subject} --audience ${audience} ` +
    `(for an app registration: az ad app federated-credential create --id ${clientId} --parameters '${parameters}')`
  );
}

/** AADSTS70021 and its narrower variants (700211 issuer, 700212 audience, 700213 subject, 7002137/8, ...). */
const NO_FEDERATED_CREDENTIAL = /AADSTS7002\d*\b/;
const APPLICATION_NOT_FOUND = /AADSTS700016\b/;
const ASSERTION_TIME = /AADSTS700024\b/;
/** Azure AD could not fetch the issuer's OpenID configuration or keys. */
const ISSUER_UNREACHABLE = /AADSTS(50166|90061)\b/;

/** `error` from the client assertion credential, explained when it is one of these; else as it came. */
export function explainFederationFailure(error: unknown, federation: Federation): unknown {
  const message = error instanceof Error ? error.message : "";
  const code = /AADSTS\d+/.exec(message)?.[0];
  const { clientId, tenantId, issuer } = federation;
  const app = `client id ${clientId} in tenant ${tenantId}`;
  if (NO_FEDERATED_CREDENTIAL.test(message)) {
    return new IdentityError(
      `workload identity: Azure AD has no federated credential on ${app} that matches the service ` +
        `account token (${code}): ` +
        `issuer ${issuer}, subject ${federation.subject}, audience ${federation.audience}; register ` +
        `one: ${federatedCredentialCommand(federation)}`,
    );
  }
  if (APPLICATION_NOT_FOUND.test(message)) {
    return new IdentityError(
      `workload identity: Azure AD knows no application with ${app} (${code}); check the volume option clientid ` +
        `(or the service account's annotation ${CLIENT_ID_ANNOTATION}) and tenantid (or ${TENANT_ID_ANNOTATION})`,
    );
  }
  if (ASSERTION_TIME.test(message)) {
    return new IdentityError(
      `workload identity: Azure AD found the service account token outside its valid time (${code}); check ` +
        `this node's clock (NTP)`,
    );
  }
  if (ISSUER_UNREACHABLE.test(message)) {
    return new IdentityError(
      `workload identity: Azure AD cannot fetch the OpenID configuration of the token's issuer ${issuer} (${code}); ` +
        "the cluster's service account issuer must be a public OIDC issuer (on AKS: az aks update " +
        "--enable-oidc-issuer)",
    );
  }
  return error;
}
