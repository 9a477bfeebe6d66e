// What tokenUpFront.ts relies on in @azure/keyvault-common's challenge policy, checked on the
// SDK's real SecretClient and pipeline over a recording HttpClient (the SDK's public
// `httpClient` option) that answers as Key Vault does: a 401 challenge to a request without
// a token. Fails when the SDK starts sending its tokenless challenge request first, drops an
// Authorization header already set, or asks its token with another scope or tenant than the
// door asks up front (identity/sharedToken.ts would then ask the identity source twice).
import type { GetTokenOptions, TokenCredential } from "@azure/core-auth";
import {
  createHttpHeaders,
  type HttpClient,
  type PipelineRequest,
  type PipelineResponse,
} from "@azure/core-rest-pipeline";
import { speedTricks } from "../../src/speed";
import { createKeyVault } from "../../src/vault/sdkKeyVault";
import { secretAnswer } from "../support/secretAnswer";

const VAULT = "https://contoso-kv.vault.azure.net";
const RESOURCE = "https://vault.azure.net";
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

/** Key Vault's answers: a challenge without a token, the secret with one. Records each request's authorization. */
function challengingVault(): HttpClient & { authorizations: (string | undefined)[] } {
  const authorizations: (string | undefined)[] = [];
  return {
    authorizations,
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      const authorization = request.headers.get("authorization");
      authorizations.push(authorization);
      if (!authorization) {
        const challenge = `Bearer authorization="https://login.microsoftonline.com/${TENANT}", resource="${RESOURCE}"`;
        return { request, status: 401, headers: createHttpHeaders({ "www-authenticate": challenge }), bodyAsText: "" };
      }
      return secretAnswer(request, VAULT);
    },
  };
}

/** What each getToken was asked, as sharedToken.ts keys its cache: scopes, tenant, and CAE. */
function recordingCredential() {
  const asked: Array<{ scopes: string[]; tenantId?: string; enableCae?: boolean }> = [];
  const credential: TokenCredential = {
    async getToken(scopes: string | string[], options?: GetTokenOptions) {
      asked.push({ scopes: [scopes].flat(), tenantId: options?.tenantId, enableCae: options?.enableCae });
      return { token: "t1", expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
  return { credential, asked };
}

async function mountOneSecret(env: NodeJS.ProcessEnv) {
  const httpClient = challengingVault();
  const { credential, asked } = recordingCredential();
  const policies = speedTricks(env).vaultPolicies({
    vaultUrl: VAULT,
    credential,
    resource: RESOURCE,
    tenantId: TENANT,
    connections: 0,
    agentFor: () => undefined,
  });
  const secret = await createKeyVault(VAULT, credential, { httpClient, policies }).getSecret("s", { version: "" });
  return { secret, authorizations: httpClient.authorizations, asked };
}

describe("the SDK's challenge policy, as tokenUpFront relies on it", () => {
  it("with the SDK alone: a tokenless request, its challenge, a token for <resource>/.default", async () => {
    const { secret, authorizations, asked } = await mountOneSecret({ KV_SPEED_TRICKS: "off" });
    expect(secret.value).toBe("v");
    expect(authorizations).toEqual([undefined, "Bearer t1"]);
    expect(asked).toEqual([{ scopes: [`${RESOURCE}/.default`], tenantId: TENANT, enableCae: true }]);
  });

  it("with the door: the token set up front on the first request, asked as the challenge asks", async () => {
    const alone = await mountOneSecret({ KV_SPEED_TRICKS: "off" });
    const { secret, authorizations, asked } = await mountOneSecret({});
    expect(secret.value).toBe("v");
    // No challenge round trip: the SDK neither sent a tokenless request first nor dropped the header.
    expect(authorizations).toEqual(["Bearer t1"]);
    // The same cache key as the SDK's own ask, so a later challenge finds this token (identity/sharedToken.ts).
    expect(asked).toEqual(alone.asked);
  });
});
