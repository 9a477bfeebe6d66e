// Azure AD workload identity for a FlexVolume: the pod's service account token, asked of the
// Kubernetes API with the node's own kubelet credentials (a TokenRequest bound to the pod), is
// the client assertion of @azure/identity's ClientAssertionCredential.
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import { ClientAssertionCredential, type ClientAssertionCredentialOptions } from "@azure/identity";
import type { CloudEnvironment } from "../clouds";
import type { CloudName } from "../model/cloudName";
import { TENANT_ID_ANNOTATION, type WorkloadIdentity } from "../model/identity";
import type { ServiceAccountSession } from "../kubernetes/serviceAccountSession";
import { explainFederationFailure, jwtClaims, type Federation } from "./federationFailures";
import { explainTokenFailure, type TokenEndpoint, type WatchedHttpClient } from "./tokenFailures";

/**
 * The audience Azure AD accepts a federated token for, per cloud (Microsoft Entra's documented
 * values; azure-sdk-for-go picks them by authority host the same way). The German cloud has no
 * documented one of its own.
 */
const TOKEN_EXCHANGE_AUDIENCES: Readonly<Record<CloudName, string>> = {
  AzurePublicCloud: "api://AzureADTokenExchange",
  AzureChinaCloud: "api://AzureADTokenExchangeChina",
  AzureUSGovernmentCloud: "api://AzureADTokenExchangeUSGov",
  AzureGermanCloud: "api://AzureADTokenExchange",
  AzureStackCloud: "api://AzureADTokenExchange",
};

export const tokenExchangeAudience = (cloud: CloudName): string => TOKEN_EXCHANGE_AUDIENCES[cloud];

/** What the credential shares with its session. */
export interface SessionParts {
  /** The HTTP client of `aadOptions`, watched: the words for an Azure AD request that got no answer. */
  watched?: WatchedHttpClient;
  /** The Kubernetes API calls are abandoned when it fires (the mount's or the refresh's deadline). */
  deadline?: AbortSignal;
}

interface SignIn {
  session: ServiceAccountSession;
  credential: ClientAssertionCredential;
}

export class WorkloadIdentityCredential implements TokenCredential {
  /** Once per mount, failed or not: each retry of the SDK would otherwise make a TokenRequest of its own. */
  private signIn?: Promise<SignIn>;
  private session?: ServiceAccountSession;
  /** What a token is being waited for, for the deadline's message; unset once one came. */
  private waitingFor?: string;

  constructor(
    private readonly identity: WorkloadIdentity,
    private readonly tenantOption: string | undefined,
    private readonly cloud: CloudEnvironment,
    /** Azure AD's options: authority, retries, the mount's HTTP client. */
    private readonly aadOptions: ClientAssertionCredentialOptions,
    private readonly parts: SessionParts = {},
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** The client id signed in as, once known (the option, or the service account's annotation). */
  get clientId(): string | undefined {
    return this.identity.clientId ?? this.session?.ids.clientId;
  }

  describe(): string {
    const { pod } = this.identity;
    const client = this.clientId ? ` (client ${this.clientId})` : "";
    const waiting = this.waitingFor ? `, still waiting for ${this.waitingFor}` : "";
    return `workload identity of service account ${pod.namespace}/${pod.serviceAccount}${client}${waiting}`;
  }

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    const { session, credential } = await (this.signIn ??= this.open());
    // The TokenRequest's failure as it is, not as the assertion callback's inside MSAL's.
    const { token: assertion } = await session.token;
    this.waitingFor = `Azure AD at ${new URL(this.cloud.activeDirectoryEndpoint).host}`;
    try {
      const token = await credential.getToken(scopes, options);
      this.waitingFor = undefined;
      return token;
    } catch (error) {
      const explained = explainFederationFailure(error, this.federation(session, assertion));
      throw explained === error
        ? explainTokenFailure(error, options, this.endpoint(session), this.parts.watched?.lastConnectionProblem())
        : explained;
    }
  }

  /** Azure AD as signed in to, and where the tenant came from: the option, or the service account's annotation. */
  private endpoint(session: ServiceAccountSession): TokenEndpoint {
    const { pod } = this.identity;
    const account = `service account ${pod.namespace}/${pod.serviceAccount}`;
    return {
      tenantId: session.ids.tenantId,
      authorityHost: this.cloud.activeDirectoryEndpoint,
      ...(this.tenantOption
        ? {}
        : {
            tenantFrom: {
              is: `the annotation ${TENANT_ID_ANNOTATION} of ${account}`,
              set: `that annotation (or the volume option tenantid)`,
            },
          }),
    };
  }

  private async open(): Promise<SignIn> {
    const { openServiceAccountSession } = await import("../kubernetes/serviceAccountSession");
    const audience = tokenExchangeAudience(this.cloud.name);
    const session = await openServiceAccountSession(
      this.identity,
      this.tenantOption,
      audience,
      this.env,
      this.parts.deadline,
      ({ server, kubeconfig }) => {
        this.waitingFor = `the Kubernetes API server ${server} (kubeconfig ${kubeconfig})`;
      },
    );
    this.session = session;
    const assertion = () => session.token.then(({ token }) => token);
    const credential = new ClientAssertionCredential(
      session.ids.tenantId,
      session.ids.clientId,
      assertion,
      this.aadOptions,
    );
    return { session, credential };
  }

  /** What Azure AD was shown, from the token itself: the issuer is whatever the cluster signs with. */
  private federation(session: ServiceAccountSession, assertion: string): Federation {
    const { pod } = this.identity;
    const claims = jwtClaims(assertion);
    return {
      ...session.ids,
      issuer: typeof claims.iss === "string" ? claims.iss : "<the cluster's service account issuer>",
      subject:
        typeof claims.sub === "string" ? claims.sub : `system:serviceaccount:${pod.namespace}:${pod.serviceAccount}`,
      audience: tokenExchangeAudience(this.cloud.name),
      serviceAccount: { namespace: pod.namespace, name: pod.serviceAccount },
    };
  }
}
