// Node asks net.isIP about every host name it connects to (http's Agent, tls.connect,
// tls.checkServerIdentity), and https-proxy-agent asks net.isIPv6. A host name then runs
// Node's IPv6 regular expression, which V8 compiles on its first use and again, to
// machine code, on its second: about 4 ms of a mount, on its critical path. Every IPv6
// address has a ':', so a string without one gets the same answers without it; anything
// else still goes to Node. Through a proxy the expression then never runs; a direct
// connection's own connect and DNS lookup still run Node's internal copy.
import net from "node:net";

const hasNoColon = (input: unknown): input is string => typeof input === "string" && !input.includes(":");

let installed = false;

export function skipIPv6RegexForHostNames(): void {
  if (installed) return;
  installed = true;
  const { isIP, isIPv4, isIPv6 } = net;
  net.isIP = (input) => (hasNoColon(input) ? (isIPv4(input) ? 4 : 0) : isIP(input));
  net.isIPv6 = (input) => (hasNoColon(input) ? false : isIPv6(input));
}
