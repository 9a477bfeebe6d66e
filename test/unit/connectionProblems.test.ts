// Requests that got no answer, in an operator's words: certificates by Node's reason,
// proxies by what they said; anything else is left to the SDK's own words.
import { describeConnectionProblem } from "../../src/http/connectionProblems";

const failed = (code: string, message: string) => Object.assign(new Error(message), { code });

describe("describeConnectionProblem", () => {
  test.each([
    [
      "CERT_HAS_EXPIRED",
      "certificate has expired",
      "has expired (CERT_HAS_EXPIRED: certificate has expired); check the node's clock",
    ],
    [
      "CERT_NOT_YET_VALID",
      "certificate is not yet valid",
      "is not valid yet (CERT_NOT_YET_VALID: certificate is not yet valid); check the node's clock",
    ],
    [
      "ERR_TLS_CERT_ALTNAME_INVALID",
      "Hostname/IP does not match",
      "names another host (ERR_TLS_CERT_ALTNAME_INVALID: Hostname/IP does not match); something on the way",
    ],
    [
      "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      "unable to verify the first certificate",
      "is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate); if a " +
        "TLS-inspecting proxy",
    ],
    [
      "SELF_SIGNED_CERT_IN_CHAIN",
      "self-signed certificate in certificate chain",
      "is not trusted (SELF_SIGNED_CERT_IN_CHAIN",
    ],
    ["DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate", "is not trusted (DEPTH_ZERO_SELF_SIGNED_CERT"],
    [
      "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
      "unable to get local issuer certificate",
      "is not trusted (UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    ],
  ])("%s names the host, Node's reason and the fix", (code, message, words) => {
    const problem = describeConnectionProblem(
      failed(code, message),
      "contoso.vault.azure.net",
      "http://proxy.corp:3128",
    );
    expect(problem).toContain(
      "the TLS certificate presented for contoso.vault.azure.net (through the proxy http://proxy.corp:3128) ",
    );
    expect(problem).toContain(words);
  });

  // Trusting another CA (NODE_EXTRA_CA_CERTS) fixes neither: the certificate itself must be replaced.
  test.each([
    [
      "CERT_REVOKED",
      "certificate revoked",
      "was revoked by its issuer (CERT_REVOKED: certificate revoked); trusting more CA certificates does not help: " +
        "whoever serves it (the host, or a TLS-inspecting proxy on the way) must present a new one",
    ],
    [
      "INVALID_PURPOSE",
      "unsupported certificate purpose",
      "is not made for a TLS server (INVALID_PURPOSE: unsupported certificate purpose): it, or a CA certificate " +
        "above it, lacks the serverAuth extended key usage; whoever issued it (for a TLS-inspecting proxy, its " +
        "administrator) must reissue it for serverAuth",
    ],
  ])("%s gets its own fix, not NODE_EXTRA_CA_CERTS", (code, message, words) => {
    const problem = describeConnectionProblem(failed(code, message), "contoso.vault.azure.net", undefined);
    expect(problem).toBe(`the TLS certificate presented for contoso.vault.azure.net ${words}`);
  });

  it("says nothing of a proxy on a direct connection", () => {
    expect(
      describeConnectionProblem(
        failed("CERT_HAS_EXPIRED", "certificate has expired"),
        "login.microsoftonline.com",
        undefined,
      ),
    ).toMatch(/^the TLS certificate presented for login\.microsoftonline\.com has expired/);
  });

  it("passes a proxy's own words on: a refusal, an unreachable proxy", () => {
    expect(
      describeConnectionProblem(
        failed("ERR_PROXY", "the proxy http://p:1 refused to tunnel to h:443 (HTTP 403 Forbidden)"),
        "h",
        "http://p:1",
      ),
    ).toBe("the proxy http://p:1 refused to tunnel to h:443 (HTTP 403 Forbidden)");
    const unreachable =
      "cannot connect to the proxy http://p:1 (connect ECONNREFUSED 127.0.0.1:1); check HTTPS_PROXY, and that " +
      "the proxy runs";
    expect(describeConnectionProblem(failed("ECONNREFUSED", unreachable), "h", "http://p:1")).toBe(unreachable);
  });

  it("leaves other failures to the SDK's words", () => {
    expect(describeConnectionProblem(failed("ECONNRESET", "socket hang up"), "h", "http://p:1")).toBeUndefined();
    expect(describeConnectionProblem(new Error("no code"), "h", undefined)).toBeUndefined();
    expect(describeConnectionProblem(undefined, "h", undefined)).toBeUndefined();
  });
});
