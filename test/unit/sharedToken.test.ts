import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { IdentityError } from "../../src/errors";
import { shareToken } from "../../src/identity/sharedToken";

function countingCredential(answers: Array<AccessToken | null | Error>): TokenCredential & { calls: number } {
  const credential = {
    calls: 0,
    async getToken() {
      const answer = answers[Math.min(credential.calls++, answers.length - 1)];
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
  return credential;
}

const token: AccessToken = { token: "t1", expiresOnTimestamp: Date.now() + 3_600_000 };

describe("shareToken", () => {
  it("asks the identity source once for concurrent and later requests of one scope", async () => {
    const source = countingCredential([token]);
    const shared = shareToken(source);
    const scope = "https://vault.azure.net/.default";
    const tokens = await Promise.all([shared.getToken(scope), shared.getToken([scope]), shared.getToken(scope)]);
    await shared.getToken(scope);
    expect(tokens.map((t) => t?.token)).toEqual(["t1", "t1", "t1"]);
    expect(source.calls).toBe(1);
  });

  it("keeps scopes and tenants apart", async () => {
    const source = countingCredential([token]);
    const shared = shareToken(source);
    await shared.getToken("a/.default");
    await shared.getToken("b/.default");
    await shared.getToken("a/.default", { tenantId: "other" });
    expect(source.calls).toBe(3);
  });

  it("forgets a failure so that a retry asks again", async () => {
    const source = countingCredential([new Error("NMI not ready"), token]);
    const shared = shareToken(source);
    await expect(shared.getToken("s")).rejects.toThrow("NMI not ready");
    await expect(shared.getToken("s")).resolves.toBe(token);
    expect(source.calls).toBe(2);
  });

  it("asks again for a token about to run out, once for concurrent requests", async () => {
    const ending: AccessToken = { token: "ending", expiresOnTimestamp: Date.now() + 60_000 };
    const source = countingCredential([ending, token]);
    const shared = shareToken(source);
    await expect(shared.getToken("s")).resolves.toBe(ending);
    const renewed = await Promise.all([shared.getToken("s"), shared.getToken("s")]);
    expect(renewed).toEqual([token, token]);
    await shared.getToken("s");
    expect(source.calls).toBe(2);
  });

  it("turns a missing token into an identity error", async () => {
    await expect(shareToken(countingCredential([null])).getToken("s")).rejects.toBeInstanceOf(IdentityError);
  });
});
