// aad-pod-identity's NMI hands out tokens for the pod's bound identity. The Azure SDK
// has no credential for it, so this is one.
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import {
  createDefaultHttpClient,
  createPipelineFromOptions,
  createPipelineRequest,
  proxyPolicyName,
} from "@azure/core-rest-pipeline";
import { IdentityError } from "../errors";
import { NMI_RETRY_OPTIONS } from "./retry";

export interface NmiTarget {
  port: number;
  podName: string;
  podNamespace: string;
}

interface NmiAnswer {
  token?: { access_token?: string; expires_on?: string | number };
  clientid?: string;
}

/** `https://vault.azure.net/.default` → `https://vault.azure.net`: NMI speaks ADAL resources. */
function resourceOf(scopes: string | string[]): string {
  const scope = Array.isArray(scopes) ? scopes[0] : scopes;
  return scope.replace(/\/\.default$/, "");
}

export class NmiCredential implements TokenCredential {
  /** The client id NMI reported for the pod's identity, for permission hints. */
  clientId: string | undefined;
  private readonly pipeline = createPipelineFromOptions({ retryOptions: NMI_RETRY_OPTIONS });
  private readonly httpClient = createDefaultHttpClient();

  constructor(private readonly target: NmiTarget) {
    // NMI listens on this node's loopback: an egress proxy must never see this call.
    this.pipeline.removePolicy({ name: proxyPolicyName });
  }

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    const { port, podName, podNamespace } = this.target;
    const url = `http://localhost:${port}/host/token/?resource=${encodeURIComponent(resourceOf(scopes))}`;
    // NMI speaks plain http on loopback only.
    const request = createPipelineRequest({
      url,
      method: "GET",
      allowInsecureConnection: true,
      abortSignal: options?.abortSignal,
    });
    request.headers.set("podname", podName);
    request.headers.set("podns", podNamespace);
    // One token per volume and pass: a kept-alive connection would stay idle in the long-running
    // refresher, one more with every pass.
    request.headers.set("connection", "close");
    let status: number;
    let body: string | null | undefined;
    try {
      ({ status, bodyAsText: body } = await this.pipeline.sendRequest(this.httpClient, request));
    } catch (error) {
      throw new IdentityError(
        `pod identity: NMI at localhost:${port} did not answer (${(error as Error).message}); is aad-pod-identity's ` +
          `NMI running on this node, and is nmiport right?`,
      );
    }
    if (status !== 200) {
      throw new IdentityError(
        `pod identity: NMI answered HTTP ${status} for pod ${podNamespace}/${podName}; check that an ` +
          `AzureIdentityBinding selects this pod (label aadpodidbinding) and that its AzureIdentity exists`,
      );
    }
    return this.tokenFrom(body);
  }

  private tokenFrom(body: string | null | undefined): AccessToken {
    let parsed: NmiAnswer;
    try {
      parsed = JSON.parse(body ?? "") as NmiAnswer;
    } catch {
      throw new IdentityError("pod identity: NMI's answer is not JSON");
    }
    const token = parsed.token?.access_token;
    const expiresOn = Number(parsed.token?.expires_on);
    if (!token || !parsed.clientid) throw new IdentityError("pod identity: NMI's answer has no token or clientid");
    this.clientId = parsed.clientid;
    // Without a usable expiry, trust the token for five minutes.
    const expiresOnTimestamp = Number.isFinite(expiresOn) && expiresOn > 0 ? expiresOn * 1000 : Date.now() + 300_000;
    return { token, expiresOnTimestamp };
  }
}
