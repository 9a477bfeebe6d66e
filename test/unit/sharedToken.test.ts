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

  it(
    "asks again for a token about to run out: at most " + "every 30 s while it lasts, at once when it has run out",
    async () => {
      let now = 1_000_000_000_000;
      const clock = jest.spyOn(Date, "now").mockImplementation(() => now);
      try {
        const ending: AccessToken = { token: "ending", expiresOnTimestamp: now + 60_000 };
        const source = countingCredential([ending, ending, token]);
        const shared = shareToken(source);
        await expect(shared.getToken("s")).resolves.toBe(ending);
        await shared.getToken("s");
        expect(source.calls).toBe(1); // asked only just now
        now += 31_000;
        await expect(shared.getToken("s")).resolves.toBe(ending); // the source has no newer one yet
        await shared.getToken("s");
        expect(source.calls).toBe(2);
        now += 25_000; // 4 s left: too little for a request
        const renewed = await Promise.all([shared.getToken("s"), shared.getToken("s")]);
        expect(renewed).toEqual([token, token]);
        await shared.getToken("s");
        expect(source.calls).toBe(3);
      } finally {
        clock.mockRestore();
      }
    },
  );

  it("is awaiting a token only between asking and the answer", async () => {
    const shared = shareToken(countingCredential([token]));
    expect(shared.awaitingToken()).toBe(false);
    const asked = shared.getToken("s");
    expect(shared.awaitingToken()).toBe(true);
    await asked;
    expect(shared.awaitingToken()).toBe(false);
  });

  it("turns a missing token into an identity error", async () => {
    await expect(shareToken(countingCredential([null])).getToken("s")).rejects.toBeInstanceOf(IdentityError);
  });
});
