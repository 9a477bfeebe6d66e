// Which proxy a request goes through, decided as Go's net/http decides it
// (golang.org/x/net/http/httpproxy, FromEnvironment and ProxyFunc): kubelet's environment,
// which the driver inherits, is written for Go programs. The Azure SDK's own reading of
// the same variables differs (no scheme-less proxy, no `*`, no CIDR, no port, NO_PROXY
// entries without a leading dot match only themselves), so the driver decides alone.
// Go's CGI rule (HTTP_PROXY ignored when REQUEST_METHOD is set) is left out: kubelet does
// not run the driver as a CGI handler.
import { domainToASCII } from "node:url";
import {
  isLoopback,
  parseIp,
  parseIpRange,
  rangeHolds,
  sameIp,
  unbracketed,
  type IpAddress,
  type IpRange,
} from "./ipAddress";

/**
 * The three variables, each as Go's FromEnvironment takes it: the upper-case name unless empty, else the lower-case
 * one.
 */
export interface ProxyEnvironment {
  httpProxy: string;
  httpsProxy: string;
  noProxy: string;
}

/** A proxy variable's value, read once. */
export interface ProxySetting {
  /** As written, credentials included: messages and the log show `label`. */
  url: URL;
  /** Scheme, host and port: never the credentials. */
  label: string;
  /** The variable of its route, as messages name it. */
  variable: "HTTP_PROXY" | "HTTPS_PROXY";
  /** `Basic ...`, from the URL's user name and password percent-decoded (as Go's net/url); none without them. */
  authorization?: string;
  /** Why no request can go through it: every request on its route fails with these words. */
  problem?: string;
}

export interface ProxyRules {
  /** The proxy for a request to `url`; undefined: connect directly. */
  proxyFor(url: URL): ProxySetting | undefined;
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

/** A proxy as the messages and the log may show it: scheme, host and port, never its credentials. */
const labelOf = (url: URL): string => `${url.protocol}//${url.host}`;

/**
 * The bytes `text` percent-encodes, as Go's url.Parse decodes a user name or password;
 * undefined for a `%` without two hex digits, which Go's url.Parse rejects.
 */
function percentDecoded(text: string): Buffer | undefined {
  const parts = text.split("%");
  const bytes = [Buffer.from(parts[0])];
  for (const part of parts.slice(1)) {
    if (!/^[0-9a-f]{2}/i.test(part)) return undefined;
    bytes.push(Buffer.from([parseInt(part.slice(0, 2), 16)]), Buffer.from(part.slice(2)));
  }
  return Buffer.concat(bytes);
}

function proxyProblem(
  url: URL,
  variable: ProxySetting["variable"],
  credentials: Buffer | undefined,
): string | undefined {
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return (
      `${variable} names a ${url.protocol.replace(/:$/, "")} proxy (${labelOf(url)}); the driver goes through ` +
      `http:// and https:// proxies only`
    );
  if (!credentials)
    return (
      `${variable} (${labelOf(url)}): the proxy's user name or password has a % that starts no percent-encoding ` +
      `(% and two hex digits); percent-encode a % in them as %25`
    );
  return undefined;
}

/**
 * A proxy without a scheme (`proxy.corp:3128`) is `http://`. A value that does not parse
 * either way is ignored, as Go ignores it: no proxy. A bad percent-encoding in the
 * credentials, which WHATWG's URL keeps and Go's url.Parse rejects, is a problem that
 * fails the route's requests by name (Go drops the value and connects directly, where
 * an egress proxy is usually the only way out: a timeout that names nothing).
 */
function parseProxy(value: string, variable: ProxySetting["variable"]): ProxySetting | undefined {
  if (!value) return undefined;
  const written = tryUrl(value);
  const url = written?.host ? written : (tryUrl(`http://${value}`) ?? written);
  if (!url) return undefined;
  const { username, password } = url;
  const credentials = percentDecoded(`${username}:${password}`);
  const proxy: ProxySetting = { url, label: labelOf(url), variable, problem: proxyProblem(url, variable, credentials) };
  if (credentials && (username || password)) proxy.authorization = `Basic ${credentials.toString("base64")}`;
  return proxy;
}

interface Entry {
  /** `*`: every host. */
  all?: true;
  ip?: IpAddress;
  range?: IpRange;
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

function parseNoProxy(noProxy: string): Entry[] {
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
  const httpProxy = parseProxy(environment.httpProxy, "HTTP_PROXY");
  const httpsProxy = parseProxy(environment.httpsProxy, "HTTPS_PROXY");
  const noProxy = parseNoProxy(environment.noProxy);
  return {
    proxyFor(url) {
      const proxy = url.protocol === "https:" ? httpsProxy : url.protocol === "http:" ? httpProxy : undefined;
      if (!proxy) return undefined;
      const host = unbracketed(url.hostname).toLowerCase();
      const port = url.port || DEFAULT_PORTS[url.protocol];
      const ip = parseIp(host);
      // localhost and loopback addresses are never proxied (Go's useProxy).
      if (host === "localhost" || (ip && isLoopback(ip))) return undefined;
      return noProxy.some((entry) => matches(entry, host, port, ip)) ? undefined : proxy;
    },
  };
}
