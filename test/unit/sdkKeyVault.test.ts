// createKeyVault with the speed door's policies, the SDK's real clients over an in-memory HttpClient.
import type { PipelineRequest } from "@azure/core-rest-pipeline";
import { speedTricks } from "../../src/speed";
import { TlsPool } from "../../src/speed/tlsPool";
import { createKeyVault } from "../../src/vault/sdkKeyVault";
import { secretAnswer } from "../support/secretAnswer";

const VAULT = "https://contoso-kv.vault.azure.net";

/** Answers every request with one secret, and records the authorization each carried. */
function recordingClient(): {
  authorizations: (string | undefined)[];
  sendRequest(request: PipelineRequest): Promise<never>;
} {
  const client = {
    authorizations: [] as (string | undefined)[],
    async sendRequest(request: PipelineRequest) {
      client.authorizations.push(request.headers.get("authorization"));
      return secretAnswer(request, VAULT) as never;
    },
  };
  return client;
}

/** A pool that records what it was asked to open ahead instead of dialling. */
class RecordingPool extends TlsPool {
  openedAhead: number[] = [];
  override openAhead(_url: URL, count: number): void {
    this.openedAhead.push(count);
  }
}

const credential = { getToken: async () => ({ token: "t1", expiresOnTimestamp: Date.now() + 3_600_000 }) };
const settle = () => new Promise((resolve) => setImmediate(resolve));

function vaultWith(resource: string, env: NodeJS.ProcessEnv = {}) {
  const httpClient = recordingClient();
  const pool = new RecordingPool();
  const policies = speedTricks(env).vaultPolicies({
    vaultUrl: VAULT,
    credential,
    resource,
    tenantId: "t",
    connections: 4,
    agentFor: () => pool,
  });
  return { vault: createKeyVault(VAULT, credential, { httpClient, policies }), httpClient, pool };
}

describe("createKeyVault with the speed door's policies", () => {
  it("opens the vault's connections ahead while the first request waits for the token up front", async () => {
    const { vault, httpClient, pool } = vaultWith("https://vault.azure.net");
    await vault.getSecret("s", { version: "" });
    await settle();
    expect(pool.openedAhead).toEqual([4]);
    expect(httpClient.authorizations).toEqual(["Bearer t1"]);
    pool.destroy();
  });

  it("opens none ahead without a token up front: the first requests dial their own in the same turn", async () => {
    // A vault host outside the resource: no token goes to it before its challenge.
    const { vault, httpClient, pool } = vaultWith("https://vault.other.example");
    await vault.getSecret("s", { version: "" });
    await settle();
    expect(pool.openedAhead).toEqual([]);
    expect(httpClient.authorizations).toEqual([undefined]);
    pool.destroy();
  });

  it("with KV_SPEED_TRICKS=off: no policy of the door's, the SDK's own challenge flow", async () => {
    const { vault, httpClient, pool } = vaultWith("https://vault.azure.net", { KV_SPEED_TRICKS: "off" });
    await vault.getSecret("s", { version: "" });
    await settle();
    expect(pool.openedAhead).toEqual([]);
    expect(httpClient.authorizations).toEqual([undefined]);
    pool.destroy();
  });
});
