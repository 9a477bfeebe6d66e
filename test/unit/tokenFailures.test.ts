import { IdentityError } from "../../src/errors";
import { explainTokenFailure } from "../../src/identity/tokenFailures";

const endpoint = { tenantId: "11111111-1111-1111-1111-111111111111", authorityHost: "https://login.microsoftonline.us/" };
const named = (name: string, message: string) => Object.assign(new Error(message), { name });

describe("explainTokenFailure", () => {
  it("turns the SDK's refusal of the vault's tenant into which tenantid to set", () => {
    const refused = named("CredentialUnavailableError", "The current credential is not configured to acquire tokens for tenant 2222. To enable ...");
    expect(explainTokenFailure(refused, { tenantId: "2222" }, endpoint)).toEqual(
      new IdentityError("key vault belongs to tenant 2222, but the volume's tenantid is 11111111-1111-1111-1111-111111111111; set tenantid to 2222"),
    );
  });

  it("names Azure AD's host for MSAL's network error", () => {
    const explained = explainTokenFailure(named("AuthenticationError", "network_error: See https://aka.ms/msal.js.errors#network_error for details"), {}, endpoint);
    expect(explained).toBeInstanceOf(IdentityError);
    expect((explained as Error).message).toBe("cannot reach Azure AD at login.microsoftonline.us (network error after retries); check the node's DNS, egress firewall and HTTPS_PROXY");
  });

  it("leaves every other failure as it was", () => {
    const unavailable = named("CredentialUnavailableError", "something else");
    expect(explainTokenFailure(unavailable, { tenantId: endpoint.tenantId }, endpoint)).toBe(unavailable);
    const wrongSecret = named("AuthenticationError", "invalid_client: AADSTS7000215: Invalid client secret provided.");
    expect(explainTokenFailure(wrongSecret, undefined, endpoint)).toBe(wrongSecret);
    expect(explainTokenFailure("not an error", undefined, endpoint)).toBe("not an error");
  });
});
