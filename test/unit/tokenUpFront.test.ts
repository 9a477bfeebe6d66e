import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import {
  createHttpHeaders,
  createPipelineRequest,
  type PipelineRequest,
  type PipelineResponse,
} from "@azure/core-rest-pipeline";
import { mayAuthorizeUpFront, tokenUpFrontPolicy } from "../../src/speed/tokenUpFront";

const UP_FRONT = { resource: "https://vault.azure.net", tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47" };

function recordingCredential(answer: AccessToken | Error) {
  const asked: Array<{ scopes: string | string[]; options?: GetTokenOptions }> = [];
  const credential: TokenCredential = {
    async getToken(scopes, options) {
      asked.push({ scopes, options });
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
  return { credential, asked };
}

/** Sends one request through the policy; answers 200 with what reached the wire. */
async function send(
  policy: ReturnType<typeof tokenUpFrontPolicy>,
  headers: Record<string, string> = {},
): Promise<PipelineRequest> {
  const request = createPipelineRequest({
    url: "https://contoso-kv.vault.azure.net/secrets/db-password/",
    headers: createHttpHeaders(headers),
  });
  await policy.sendRequest(request, async (sent): Promise<PipelineResponse> => ({
    request: sent,
    status: 200,
    headers: createHttpHeaders(),
  }));
  return request;
}

describe("mayAuthorizeUpFront", () => {
  it.each([
    ["https://contoso-kv.vault.azure.net", "https://vault.azure.net", true],
    ["https://contoso-kv.vault.azure.cn", "https://vault.azure.cn", true],
    // Never a token for one resource to a host outside it (the SDK's challenge check).
    ["https://contoso-kv.vault.azure.net.evil.example", "https://vault.azure.net", false],
    ["https://vault.azure.net", "https://vault.azure.net", false],
    ["https://edge-kv.vault.stack.local", "https://vault.other.local", false],
  ])("%s with resource %s: %s", (vaultUrl, resource, allowed) => {
    expect(mayAuthorizeUpFront(vaultUrl, resource)).toBe(allowed);
  });
});

describe("tokenUpFrontPolicy", () => {
  it(
    "asks once, at creation, with the options of the SDK's " + "challenge, and signs every request with that token",
    async () => {
      const { credential, asked } = recordingCredential({ token: "t1", expiresOnTimestamp: Date.now() + 3_600_000 });
      const policy = tokenUpFrontPolicy(credential, UP_FRONT);
      expect(asked).toEqual([
        { scopes: "https://vault.azure.net/.default", options: { enableCae: true, tenantId: UP_FRONT.tenantId } },
      ]);
      const requests = await Promise.all([send(policy), send(policy), send(policy)]);
      expect(requests.map((r) => r.headers.get("authorization"))).toEqual(["Bearer t1", "Bearer t1", "Bearer t1"]);
      expect(asked).toHaveLength(1);
    },
  );

  it("keeps an authorization the SDK's challenge policy already set", async () => {
    const { credential } = recordingCredential({ token: "t1", expiresOnTimestamp: Date.now() + 3_600_000 });
    const request = await send(tokenUpFrontPolicy(credential, UP_FRONT), { authorization: "Bearer from-challenge" });
    expect(request.headers.get("authorization")).toBe("Bearer from-challenge");
  });

  it("sends a token about to run out without it, so the vault's challenge gets a new one", async () => {
    const { credential } = recordingCredential({ token: "t1", expiresOnTimestamp: Date.now() + 60_000 });
    const request = await send(tokenUpFrontPolicy(credential, UP_FRONT));
    expect(request.headers.has("authorization")).toBe(false);
  });

  it("fails every request with the one failure, without asking again", async () => {
    const failure = new Error("AADSTS7000215: Invalid client secret provided.");
    const { credential, asked } = recordingCredential(failure);
    const policy = tokenUpFrontPolicy(credential, UP_FRONT);
    // the failure arrives before any request: no unhandled rejection
    await new Promise((resolve) => setTimeout(resolve, 5));
    await expect(send(policy)).rejects.toBe(failure);
    await expect(send(policy)).rejects.toBe(failure);
    expect(asked).toHaveLength(1);
  });
});
