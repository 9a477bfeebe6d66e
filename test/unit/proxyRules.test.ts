// The proxy rules of Go's net/http (golang.org/x/net/http/httpproxy), which kubelet's
// environment is written for. Most rows are the cases of Go's own proxy_test.go, the
// rest the driver's: ports, IPv4-mapped addresses, the SDK's ALL_PROXY.
import { proxyEnvironmentFrom, proxyRules, type ProxyEnvironment } from "../../src/http/proxyRules";

const none = { httpProxy: "", httpsProxy: "", noProxy: "" };

/** The proxy as Go prints a URL, without the path WHATWG adds; "direct" for none. */
function proxyFor(environment: Partial<ProxyEnvironment>, request: string): string {
  const proxy = proxyRules({ ...none, ...environment }).proxyFor(new URL(request))?.url;
  if (!proxy) return "direct";
  const credentials = proxy.username ? `${proxy.username}:${proxy.password}@` : "";
  return `${proxy.protocol}//${credentials}${proxy.host}`;
}

describe("the proxy's value", () => {
  test.each([
    ["127.0.0.1:8080", "http://127.0.0.1:8080"],
    ["cache.corp.example.com:1234", "http://cache.corp.example.com:1234"],
    ["cache.corp.example.com", "http://cache.corp.example.com"],
    ["localhost", "http://localhost"],
    ["proxyuser:p%40ss@proxy.corp:3128", "http://proxyuser:p%40ss@proxy.corp:3128"],
    ["[2001:db8::1]:3128", "http://[2001:db8::1]:3128"],
    ["https://cache.corp.example.com", "https://cache.corp.example.com"],
    ["http://127.0.0.1:8080", "http://127.0.0.1:8080"],
    ["https://127.0.0.1:8080", "https://127.0.0.1:8080"],
    ["socks5://127.0.0.1", "socks5://127.0.0.1"],
    ["foo://host", "foo://host"],
  ])("HTTP_PROXY=%s is %s", (value, expected) => {
    expect(proxyFor({ httpProxy: value }, "http://example.com")).toBe(expected);
  });
});

describe("the proxy's credentials, percent-decoded once as Go's net/url decodes them", () => {
  const proxyOf = (httpsProxy: string) =>
    proxyRules({ ...none, httpsProxy }).proxyFor(new URL("https://contoso.vault.azure.net/"));
  const basic = (credentials: Buffer | string) => `Basic ${Buffer.from(credentials).toString("base64")}`;

  test.each([
    ["http://node-egress:p%40ss@proxy.corp:3128", basic("node-egress:p@ss")],
    ["http://node-egress:100%25@proxy.corp:3128", basic("node-egress:100%")],
    // A byte that is no UTF-8 on its own (decodeURIComponent throws on it): Go sends it as it is.
    ["http://node-egress:%ff@proxy.corp:3128", basic(Buffer.from([...Buffer.from("node-egress:"), 0xff]))],
    ["http://node-egress@proxy.corp:3128", basic("node-egress:")],
    ["http://proxy.corp:3128", undefined],
  ])("%s: %s", (value, authorization) => {
    const proxy = proxyOf(value);
    expect(proxy?.problem).toBeUndefined();
    expect(proxy?.authorization).toBe(authorization);
    expect(proxy?.label).toBe("http://proxy.corp:3128");
  });

  test.each([
    "http://node-egress:100%@proxy.corp:3128",
    "http://node-egress:100%2@proxy.corp:3128",
    "a%zz:b@proxy.corp:3128",
  ])("%s: a % that starts no percent-encoding is the variable's problem, the password never shown", (value) => {
    const proxy = proxyOf(value);
    expect(proxy?.authorization).toBeUndefined();
    expect(proxy?.problem).toBe(
      "HTTPS_PROXY (http://proxy.corp:3128): the proxy's user name or password has a % that starts no " +
        "percent-encoding (% and two hex digits); percent-encode a % in them as %25",
    );
  });

  test("a scheme the driver does not speak is the variable's problem", () => {
    expect(
      proxyRules({ ...none, httpProxy: "socks5://127.0.0.1:1080" }).proxyFor(new URL("http://0.0.0.0/"))?.problem,
    ).toBe(
      "HTTP_PROXY names a socks5 proxy (socks5://127.0.0.1:1080); the driver goes through http:// and https:// " +
        "proxies only",
    );
  });
});

describe("which variable a request uses", () => {
  const both = { httpProxy: "http.proxy.tld", httpsProxy: "secure.proxy.tld" };
  test.each([
    [both, "http://insecure.tld/", "http://http.proxy.tld"],
    [both, "https://secure.tld/", "http://secure.proxy.tld"],
    [
      { httpProxy: "http.proxy.tld", httpsProxy: "https://secure.proxy.tld" },
      "https://secure.tld/",
      "https://secure.proxy.tld",
    ],
    [{ httpProxy: "http.proxy.tld" }, "https://secure.tld/", "direct"],
    [{ httpsProxy: "secure.proxy.tld" }, "http://insecure.tld/", "direct"],
    [{ httpProxy: "http.proxy.tld" }, "ftp://insecure.tld/", "direct"],
    [{}, "http://example.com", "direct"],
  ])("%j, %s: %s", (environment, request, expected) => {
    expect(proxyFor(environment, request)).toBe(expected);
  });
});

describe("NO_PROXY against one host", () => {
  test.each([
    ["example.com", "http://example.com/", "direct"],
    [".example.com", "http://example.com/", "http://proxy"],
    ["ample.com", "http://example.com/", "http://proxy"],
    ["example.com", "http://foo.example.com/", "direct"],
    [".foo.com", "http://example.com/", "http://proxy"],
    [".示例.com", "http://www.示例.com", "direct"],
    ["xn--fsq092h.com", "http://www.示例.com", "direct"],
    ["示例.com", "http://www.xn--fsq092h.com", "direct"],
    [" .Vault.Azure.NET ", "https://contoso.vault.azure.net/", "direct"],
    ["vault.azure.net", "https://contoso.vault.azure.net/", "direct"],
    ["vault.azure.net:443", "https://contoso.vault.azure.net/", "direct"],
    ["vault.azure.net:8443", "https://contoso.vault.azure.net/", "http://proxy"],
    ["vault.azure.net:8443", "https://contoso.vault.azure.net:8443/", "direct"],
    ["login.microsoftonline.com", "https://contoso.vault.azure.net/", "http://proxy"],
    ["*", "https://contoso.vault.azure.net/", "direct"],
    ["login.microsoftonline.com,*", "https://contoso.vault.azure.net/", "direct"],
    [":1", "http://example.com/", "http://proxy"],
    ["vault.azure.net", "http://0.0.0.0:8080/", "http://proxy"],
    ["0.0.0.0", "http://0.0.0.0:8080/", "direct"],
    ["0.0.0.0:8080", "http://0.0.0.0:8080/", "direct"],
    ["0.0.0.0:80", "http://0.0.0.0:8080/", "http://proxy"],
    ["0.0.0.0/8", "http://0.0.0.0:8080/", "direct"],
    ["192.168.1.1", "http://[::ffff:192.168.1.1]/", "direct"],
    ["::ffff:10.0.0.0/104", "http://10.1.2.3/", "direct"],
    // Under /96 Go's mask cuts into ::ffff:, so the range is an IPv6 one: no IPv4 address is in it.
    ["::ffff:0:0/80", "http://10.1.2.3/", "http://proxy"],
    ["::ffff:0:0/80", "http://[::1:2:3]/", "direct"],
    ["::ffff:0:0/95", "http://10.1.2.3/", "http://proxy"],
    ["::ffff:0:0/96", "http://10.1.2.3/", "direct"],
    ["::/0", "http://10.1.2.3/", "http://proxy"],
    ["::/0", "http://[2001:db8::1]/", "direct"],
    ["10.0.0.0/8", "http://[2001:db8::1]/", "http://proxy"],
  ])("NO_PROXY=%s, %s: %s", (noProxy, request, expected) => {
    expect(proxyFor({ httpProxy: "proxy", httpsProxy: "proxy", noProxy }, request)).toBe(expected);
  });
});

describe("one NO_PROXY list against many hosts (Go's useProxy table, on port 80)", () => {
  const noProxy =
    "foobar.com, .barbaz.net, *.wildcard.io, 192.168.1.1, 192.168.1.2:81, 192.168.1.3:80, 10.0.0.0/30, " +
    "2001:db8::52:0:1, [2001:db8::52:0:2]:443, [2001:db8::52:0:3]:80, 2002:db8:a::45/64";
  test.each([
    // Never proxied: localhost and loopback addresses, whatever NO_PROXY says.
    ["localhost", false],
    ["127.0.0.1", false],
    ["127.0.0.2", false],
    ["[::1]", false],
    ["[::ffff:127.0.0.1]", false],
    ["[::2]", true],
    ["192.168.1.1", false],
    ["192.168.1.2", true],
    ["192.168.1.3", false],
    ["192.168.1.4", true],
    ["10.0.0.2", false],
    ["10.0.0.4", true],
    ["[2001:db8::52:0:1]", false],
    ["[2001:db8::52:0:2]", true],
    ["[2001:db8::52:0:3]", false],
    ["[2002:db8:a::123]", false],
    ["[fe80::424b:c8be:1643:a1b6]", true],
    ["barbaz.net", true],
    ["www.barbaz.net", false],
    ["foobar.com", false],
    ["www.foobar.com", false],
    ["foofoobar.com", true],
    ["baz.com", true],
    ["localhost.net", true],
    ["local.localhost", true],
    ["barbarbaz.net", true],
    ["wildcard.io", true],
    ["nested.wildcard.io", false],
    ["awildcard.io", true],
  ])("%s: proxied %s", (host, proxied) => {
    const url = `http://${host}:80/`;
    expect(proxyFor({ httpProxy: "proxy", noProxy }, url)).toBe(proxied ? "http://proxy" : "direct");
    // `*`: nothing is proxied.
    expect(proxyFor({ httpProxy: "proxy", noProxy: "*" }, url)).toBe("direct");
  });
});

describe("reading the environment, as Go's FromEnvironment", () => {
  test.each([
    [{ HTTPS_PROXY: "upper:1", https_proxy: "lower:2" }, "http://upper:1"],
    [{ https_proxy: "lower:2" }, "http://lower:2"],
    [{ HTTPS_PROXY: "", https_proxy: "lower:2" }, "http://lower:2"],
    [{ ALL_PROXY: "all:3" }, "direct"],
    [{ HTTPS_PROXY: "upper:1", NO_PROXY: "", no_proxy: "vault.azure.net" }, "direct"],
    [{ HTTPS_PROXY: "upper:1", NO_PROXY: "login.microsoftonline.com", no_proxy: "vault.azure.net" }, "http://upper:1"],
  ])("%j: %s", (env, expected) => {
    expect(proxyFor(proxyEnvironmentFrom(env), "https://contoso.vault.azure.net/")).toBe(expected);
  });
});
