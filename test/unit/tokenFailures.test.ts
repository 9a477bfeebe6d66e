import { createHttpHeaders, createPipelineRequest, type HttpClient } from "@azure/core-rest-pipeline";
import { IdentityError } from "../../src/errors";
import { explainTokenFailure, watchConnectionProblems } from "../../src/identity/tokenFailures";
import { withConnectionProblem } from "../../src/http/connectionProblems";

const endpoint = {
  tenantId: "11111111-1111-1111-1111-111111111111",
  authorityHost: "https://login.microsoftonline.us/",
};
const named = (name: string, message: string) => Object.assign(new Error(message), { name });

describe("explainTokenFailure", () => {
  it("turns the SDK's refusal of the vault's tenant into which tenantid to set", () => {
    const refused = named(
      "CredentialUnavailableError",
      "The current credential is not configured to acquire tokens for tenant 2222. To enable ...",
    );
    expect(explainTokenFailure(refused, { tenantId: "2222" }, endpoint)).toEqual(
      new IdentityError(
        "key vault belongs to tenant 2222, but the volume's tenantid is 11111111-1111-1111-1111-111111111111; " +
          "set tenantid to 2222",
      ),
    );
  });

  it("names Azure AD's host for MSAL's network error", () => {
    const explained = explainTokenFailure(
      named("AuthenticationError", "network_error: See https://aka.ms/msal.js.errors#network_error for details"),
      {},
      endpoint,
    );
    expect(explained).toBeInstanceOf(IdentityError);
    expect((explained as Error).message).toBe(
      "cannot reach Azure AD at login.microsoftonline.us (network error after retries); check the node's DNS, " +
        "egress firewall and HTTPS_PROXY",
    );
  });

  it("names the connection problem the credential's HTTP client saw, which MSAL's network error drops", () => {
    const networkError = named(
      "AuthenticationError",
      "network_error: See https://aka.ms/msal.js.errors#network_error for details",
    );
    const problem =
      "the TLS certificate presented for login.microsoftonline.us has expired (CERT_HAS_EXPIRED: certificate " +
      "has expired); check the node's clock";
    expect(explainTokenFailure(networkError, {}, endpoint, problem)).toEqual(new IdentityError(problem));
  });

  it("leaves every other failure as it was", () => {
    const unavailable = named("CredentialUnavailableError", "something else");
    expect(explainTokenFailure(unavailable, { tenantId: endpoint.tenantId }, endpoint)).toBe(unavailable);
    const wrongSecret = named("AuthenticationError", "invalid_client: AADSTS7000215: Invalid client secret provided.");
    expect(explainTokenFailure(wrongSecret, undefined, endpoint)).toBe(wrongSecret);
    expect(explainTokenFailure("not an error", undefined, endpoint)).toBe("not an error");
  });
});

describe("watchConnectionProblems", () => {
  const request = createPipelineRequest({ url: "https://login.microsoftonline.us/t/oauth2/v2.0/token" });
  const answering = (outcomes: (Error | "ok")[]): HttpClient => ({
    async sendRequest(sent) {
      const outcome = outcomes.shift();
      if (outcome instanceof Error) throw outcome;
      return { request: sent, status: 200, headers: createHttpHeaders() };
    },
  });

  it("keeps the words of the latest request that failed without an answer, and forgets them on an answer", async () => {
    const refused = withConnectionProblem(
      new Error("refused"),
      "the proxy http://p:3128 refused to tunnel to login.microsoftonline.us:443 (HTTP 403 Forbidden)",
    );
    const watched = watchConnectionProblems(answering([refused, "ok", refused, new Error("reset")]));
    const words = "the proxy http://p:3128 refused to tunnel to login.microsoftonline.us:443 (HTTP 403 Forbidden)";
    await expect(watched.client.sendRequest(request)).rejects.toBe(refused);
    expect(watched.lastConnectionProblem()).toBe(words);
    await watched.client.sendRequest(request);
    expect(watched.lastConnectionProblem()).toBeUndefined();
    await expect(watched.client.sendRequest(request)).rejects.toBe(refused);
    await expect(watched.client.sendRequest(request)).rejects.toThrow("reset");
    expect(watched.lastConnectionProblem()).toBeUndefined();
  });
});
