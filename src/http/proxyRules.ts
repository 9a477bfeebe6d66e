// Which proxy a request goes through, decided as Go's net/http decides it
// (golang.org/x/net/http/httpproxy, FromEnvironment and ProxyFunc): kubelet's environment,
// which the driver inherits, is written for Go programs. The Azure SDK's own reading of
// the same variables differs (no scheme-less proxy, no `*`, no CIDR, no port, NO_PROXY
// entries without a leading dot match only themselves), so the driver decides alone.
// Go's CGI rule (HTTP_PROXY ignored when REQUEST_METHOD is set) is left out: kubelet does
// not run the driver as a CGI handler.
import { domainToASCII } from "node:url";
import { isLoopback, parseIp, parseIpRange, rangeHolds, sameIp, type IpAddress } from "./ipAddress";

/**
 * The three variables, each as Go's FromEnvironment takes it: the upper-case name unless empty, else the lower-case
 * one.
 */
export interface ProxyEnvironment {
  httpProxy: string;
  httpsProxy: string;
  noProxy: string;
}

export interface ProxyRules {
  /** The proxy for a request to `url`; undefined: connect directly. */
  proxyFor(url: URL): URL | undefined;
}

/** Names in the order Go reads them; ALL_PROXY is not Go's (the SDK reads it, the driver does not). */
export const PROXY_VARIABLES = [
  "HTTP_PROXY",
  "http_proxy",
  "HTTPS_PROXY",
  "https_proxy",
  "NO_PROXY",
  "no_proxy",
] as const;

export function proxyEnvironmentFrom(env: NodeJS.ProcessEnv): ProxyEnvironment {
  const either = (upper: string, lower: string) => env[upper] || env[lower] || "";
  return {
    httpProxy: either("HTTP_PROXY", "http_proxy"),
    httpsProxy: either("HTTPS_PROXY", "https_proxy"),
    noProxy: either("NO_PROXY", "no_proxy"),
  };
}

function tryUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/**
 * A proxy without a scheme (`proxy.corp:3128`) is `http://`. A value that does not parse
 * either way is ignored, as Go ignores it: no proxy.
 */
export function parseProxy(value: string): URL | undefined {
  if (!value) return undefined;
  const url = tryUrl(value);
  if (url?.host) return url;
  return tryUrl(`http://${value}`) ?? url;
}

interface Entry {
  /** `*`: every host. */
  all?: true;
  ip?: IpAddress;
  range?: { network: IpAddress; prefix: number };
  /** With its leading dot: `.vault.azure.net`. */
  domain?: string;
  /** The domain itself matches too (written without a leading dot, or with `*.`: no). */
  domainItself?: boolean;
  /** Only requests to this port; empty: any. */
  port: string;
}

/** Go's net.SplitHostPort: `host:port` or `[host]:port`; undefined without a port. */
function splitHostPort(text: string): [string, string] | undefined {
  const colon = text.lastIndexOf(":");
  if (colon < 0) return undefined;
  let host: string;
  if (text.startsWith("[")) {
    const end = text.indexOf("]");
    if (end < 0 || end + 1 !== colon) return undefined;
    host = text.slice(1, end);
  } else {
    host = text.slice(0, colon);
    if (host.includes(":")) return undefined;
  }
  const port = text.slice(colon + 1);
  if (/[[\]]/.test(port) || /[[\]]/.test(host)) return undefined;
  return [host, port];
}

// eslint-disable-next-line no-control-regex -- all of ASCII, control characters included
const toAscii = (domain: string): string => (/^[\x00-\x7f]*$/.test(domain) ? domain : domainToASCII(domain) || domain);

/** One NO_PROXY entry, as Go's config.init reads it; undefined for an entry Go skips. */
function parseEntry(text: string): Entry | undefined {
  if (text === "*") return { all: true, port: "" };
  const range = parseIpRange(text);
  if (range) return { range, port: "" };
  const [host, port] = splitHostPort(text) ?? [text, ""];
  if (!host) return undefined;
  const ip = parseIp(host);
  if (ip) return { ip, port };
  const name = host.startsWith("*.") ? host.slice(1) : host;
  const domainItself = !name.startsWith(".");
  const dotted = domainItself ? `.${name}` : name;
  return { domain: `.${toAscii(dotted.slice(1))}`, domainItself, port };
}

export function parseNoProxy(noProxy: string): Entry[] {
  const entries: Entry[] = [];
  for (const item of noProxy.split(",")) {
    const text = item.trim().toLowerCase();
    if (!text) continue;
    const entry = parseEntry(text);
    // `*` anywhere: nothing else matters.
    if (entry?.all) return [entry];
    if (entry) entries.push(entry);
  }
  return entries;
}

function matches(entry: Entry, host: string, port: string, ip: IpAddress | undefined): boolean {
  if (entry.all) return true;
  if (entry.port && entry.port !== port) return false;
  if (entry.range) return ip !== undefined && rangeHolds(entry.range, ip);
  if (entry.ip) return ip !== undefined && sameIp(entry.ip, ip);
  // Domains never match an address.
  if (ip || !entry.domain) return false;
  return host.endsWith(entry.domain) || (entry.domainItself === true && host === entry.domain.slice(1));
}

const DEFAULT_PORTS: Record<string, string> = { "http:": "80", "https:": "443" };

export function proxyRules(environment: ProxyEnvironment): ProxyRules {
  const httpProxy = parseProxy(environment.httpProxy);
  const httpsProxy = parseProxy(environment.httpsProxy);
  const noProxy = parseNoProxy(environment.noProxy);
  return {
    proxyFor(url) {
      const proxy = url.protocol === "https:" ? httpsProxy : url.protocol === "http:" ? httpProxy : undefined;
      if (!proxy) return undefined;
      const host = url.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
      const port = url.port || DEFAULT_PORTS[url.protocol];
      const ip = parseIp(host);
      // localhost and loopback addresses are never proxied (Go's useProxy).
      if (host === "localhost" || (ip && isLoopback(ip))) return undefined;
      return noProxy.some((entry) => matches(entry, host, port, ip)) ? undefined : proxy;
    },
  };
}
