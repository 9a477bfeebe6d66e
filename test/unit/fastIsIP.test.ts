import net from "node:net";
import { skipIPv6RegexForHostNames } from "../../src/speed/fastIsIP";

const { isIP, isIPv6 } = net;
const inputs = [
  "login.microsoftonline.com",
  "bench-kv.vault.azure.net",
  "localhost",
  "",
  "127.0.0.1",
  "10.0.0.256",
  "1.2.3",
  "::",
  "::1",
  "2001:db8::8a2e:370:7334",
  "fe80::1%eth0",
  "::ffff:192.0.2.128",
  "[::1]",
  "1:2:3:4:5:6:7:8:9",
  "a:b",
  "host:443",
];

describe("net.isIP and net.isIPv6 without the IPv6 regular expression for host names", () => {
  beforeAll(() => skipIPv6RegexForHostNames());
  afterAll(() => Object.assign(net, { isIP, isIPv6 }));

  it("are replaced", () => {
    expect(net.isIP).not.toBe(isIP);
    expect(net.isIPv6).not.toBe(isIPv6);
  });

  it.each(inputs)("answer %p as Node does", (input) => {
    expect(net.isIP(input)).toBe(isIP(input));
    expect(net.isIPv6(input)).toBe(isIPv6(input));
  });

  it("installs once", () => {
    const installed = net.isIP;
    skipIPv6RegexForHostNames();
    expect(net.isIP).toBe(installed);
  });
});
