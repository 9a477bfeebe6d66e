// A bare HTTPS client that goes through the stand-in's proxy the way the SDK does
// (CONNECT, then TLS trusting only the test CA), for tests that need to see exact
// status codes, headers and bodies rather than the SDK's error objects.
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { connect } from "node:tls";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The body parsed, when it is JSON. */
  json?: unknown;
}

export interface RawRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** `env` is the stand-in's env: HTTPS_PROXY and NODE_EXTRA_CA_CERTS are used. */
export async function httpsViaProxy(
  env: Record<string, string>,
  url: string,
  r: RawRequest = {},
): Promise<RawResponse> {
  const target = new URL(url);
  const proxy = new URL(env.HTTPS_PROXY);
  const socket = await new Promise<import("node:net").Socket>((resolve, reject) => {
    const req = request({ host: proxy.hostname, port: proxy.port, method: "CONNECT", path: `${target.hostname}:443` });
    req.on("connect", (res, s) => {
      if (res.statusCode === 200) return resolve(s);
      s.destroy();
      reject(new Error(`proxy refused CONNECT ${target.hostname}:443 with ${res.statusCode}`));
    });
    req.on("error", reject);
    req.end();
  });
  const tls = connect({ socket, servername: target.hostname, ca: readFileSync(env.NODE_EXTRA_CA_CERTS) });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        createConnection: () => tls,
        host: target.hostname,
        path: target.pathname + target.search,
        method: r.method ?? "GET",
        headers: { ...(r.body ? { "content-length": String(Buffer.byteLength(r.body)) } : {}), ...r.headers },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("end", () => {
          tls.destroy();
          let json: unknown;
          try {
            json = JSON.parse(body);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
        });
      },
    );
    req.on("error", reject);
    req.end(r.body);
  });
}

/** A client-credentials token straight from the AAD stand-in (v2 endpoint). */
export async function tokenFor(
  env: Record<string, string>,
  sp: { tenantId: string; clientId: string; clientSecret: string },
  scope = "https://vault.azure.net/.default",
  loginHost = "login.microsoftonline.com",
): Promise<string> {
  const res = await httpsViaProxy(env, `https://${loginHost}/${sp.tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: sp.clientId,
      client_secret: sp.clientSecret,
      scope,
    }).toString(),
  });
  const token = (res.json as { access_token?: string } | undefined)?.access_token;
  if (res.status !== 200 || !token) throw new Error(`token request failed: ${res.status}`);
  return token;
}
