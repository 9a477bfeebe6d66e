// createKeyVault's own policies, with the SDK's real clients over an in-memory HttpClient.
import { createHttpHeaders, type PipelineRequest } from "@azure/core-rest-pipeline";
import type { PooledHttpClient } from "../../src/http/pooledHttpClient";
import { createKeyVault } from "../../src/vault/sdkKeyVault";

const VAULT = "https://contoso-kv.vault.azure.net";

/** Answers every request with one secret, and records what it was asked to open ahead. */
function recordingClient(): PooledHttpClient & { openedAhead: number[]; authorizations: (string | undefined)[] } {
  const client = {
    openedAhead: [] as number[],
    authorizations: [] as (string | undefined)[],
    async sendRequest(request: PipelineRequest) {
      client.authorizations.push(request.headers.get("authorization"));
      const body = JSON.stringify({ value: "v", id: `${VAULT}/secrets/s/0123456789abcdef0123456789abcdef` });
      return { request, status: 200, headers: createHttpHeaders({ "content-type": "application/json" }), bodyAsText: body };
    },
    openAhead(_request: PipelineRequest, count: number) {
      client.openedAhead.push(count);
    },
  };
  return client;
}

const credential = { getToken: async () => ({ token: "t1", expiresOnTimestamp: Date.now() + 3_600_000 }) };
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("createKeyVault", () => {
  it("opens the vault's connections ahead while the first request waits for the token up front", async () => {
    const httpClient = recordingClient();
    const vault = createKeyVault(VAULT, credential, { httpClient, connectionsAhead: 4, tokenUpFront: { resource: "https://vault.azure.net", tenantId: "t" } });
    await vault.getSecret("s", { version: "" });
    await settle();
    expect(httpClient.openedAhead).toEqual([4]);
    expect(httpClient.authorizations).toEqual(["Bearer t1"]);
  });

  it("opens none ahead without a token up front: the first requests dial their own in the same turn", async () => {
    const httpClient = recordingClient();
    // A vault host outside the resource: no token goes to it before its challenge.
    const vault = createKeyVault(VAULT, credential, { httpClient, connectionsAhead: 4, tokenUpFront: { resource: "https://vault.other.example", tenantId: "t" } });
    await vault.getSecret("s", { version: "" });
    await settle();
    expect(httpClient.openedAhead).toEqual([]);
    expect(httpClient.authorizations).toEqual([undefined]);
  });
});
