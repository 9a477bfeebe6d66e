// The two Kubernetes API calls workload identity makes with the node's own credentials: a
// TokenRequest for a pod's service account, and reading that service account. A small client
// over node:https (README, "Workload identity": why not @kubernetes/client-node). Every file the
// kubeconfig names is read per call: kubelet rotates its client certificate in place.
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { X509Certificate } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { IdentityError } from "../errors";
import type { PodRef } from "../model/identity";
import type { Material, NodeCredentials } from "./kubeconfig";

/** A refusal from the API server: its HTTP status and, when it sent one, its metav1.Status. */
export class KubernetesApiError extends Error {
  override readonly name = "KubernetesApiError";
  constructor(
    readonly status: number,
    /** metav1.Status `reason`, e.g. Forbidden, NotFound, Unauthorized. */
    readonly reason: string,
    /** metav1.Status `message`, e.g. `serviceaccounts "web" is forbidden: ...`. */
    readonly apiMessage: string,
  ) {
    super(`${status} ${reason}: ${apiMessage}`);
  }
}

export interface ServiceAccountToken {
  token: string;
  /** ms since the epoch. */
  expiresOnTimestamp: number;
}

/** What a TokenRequest asks for: kubelet's own request for a projected token, for this pod. */
export interface TokenAsk {
  audience: string;
  expirationSeconds: number;
}

const RETRIED_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);
const RETRIED_STATUS = new Set([429, 500, 502, 503, 504]);
/** An API server restarting (an upgrade) refuses connections for a moment. */
const RETRY_DELAYS_MS = [300, 900];

/** A kubeconfig material's text, read now. */
export function readMaterial(material: Material, what: string, credentials: NodeCredentials): string {
  if ("data" in material) return material.data;
  try {
    return readFileSync(material.file, "utf8");
  } catch (error) {
    throw new IdentityError(
      `workload identity: cannot read ${what} ${material.file}, named by ` +
        `kubeconfig ${credentials.kubeconfig} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
}

/** Who the API server sees: the client certificate's CN (system:node:<name>), or the kubeconfig's token user. */
export function nodeIdentity(credentials: NodeCredentials): string {
  const { clientCertificate } = credentials;
  if (!clientCertificate) return `the bearer token of kubeconfig user ${JSON.stringify(credentials.user)}`;
  const where =
    "file" in clientCertificate.certificate ? ` ${clientCertificate.certificate.file}` : " (client-certificate-data)";
  try {
    const subject = new X509Certificate(readMaterial(clientCertificate.certificate, "client certificate", credentials))
      .subject;
    const commonName = /^CN=(.*)$/m.exec(subject)?.[1];
    return `${commonName ?? subject.replace(/\n/g, ", ")} (client certificate${where})`;
  } catch {
    return `the client certificate${where}, which is not a readable certificate`;
  }
}

/** A 2xx answer whose body is not JSON: a proxy or load balancer answered, not the API server. */
export class NotJsonError extends Error {
  override readonly name = "NotJsonError";
  constructor(readonly status: number) {
    // Never the parser's message: V8 quotes the text, which may hold a token.
    super(`answered HTTP ${status} without JSON`);
  }
}

interface Answer {
  status: number;
  body: string;
}

function send(
  credentials: NodeCredentials,
  method: string,
  path: string,
  body: string | undefined,
  signal: AbortSignal | undefined,
): Promise<Answer> {
  const { certificateAuthority, clientCertificate, token } = credentials;
  const headers: Record<string, string> = {
    accept: "application/json",
    "user-agent": "kv-flexvol (azure/kv FlexVolume driver)",
  };
  if (token) headers.authorization = `Bearer ${readMaterial(token, "token file", credentials).trim()}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const url = new URL(credentials.server.replace(/\/+$/, "") + path);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method,
        headers,
        agent: false,
        ca: certificateAuthority && readMaterial(certificateAuthority, "certificate authority", credentials),
        cert: clientCertificate && readMaterial(clientCertificate.certificate, "client certificate", credentials),
        key: clientCertificate && readMaterial(clientCertificate.key, "client key", credentials),
        servername: credentials.tlsServerName,
        // Aborting destroys the request and its connection (agent: false: its own).
        signal,
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.on("end", () =>
          resolve({ status: incoming.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
        );
        incoming.on("error", reject);
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

function statusError({ status, body }: Answer): KubernetesApiError {
  try {
    const parsed = JSON.parse(body) as { kind?: string; reason?: string; message?: string };
    if (parsed.kind === "Status") return new KubernetesApiError(status, parsed.reason ?? "", parsed.message ?? "");
  } catch {
    // Not the API server's Status: a proxy or load balancer answered.
  }
  return new KubernetesApiError(status, "", `HTTP ${status} without a Kubernetes Status`);
}

function parsed<T>({ status, body }: Answer): T {
  try {
    return JSON.parse(body) as T;
  } catch {
    throw new NotJsonError(status);
  }
}

/** The JSON of a 2xx answer; retries connection faults and 429/5xx a few times, until `signal` fires. */
async function call<T>(
  credentials: NodeCredentials,
  method: string,
  path: string,
  body: unknown,
  signal: AbortSignal | undefined,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const last = attempt >= RETRY_DELAYS_MS.length;
    let answer: Answer;
    try {
      answer = await send(credentials, method, path, body === undefined ? undefined : JSON.stringify(body), signal);
    } catch (error) {
      if (last || !RETRIED_CODES.has((error as NodeJS.ErrnoException).code ?? "")) throw error;
      await sleep(RETRY_DELAYS_MS[attempt], undefined, { signal });
      continue;
    }
    if (answer.status >= 200 && answer.status < 300) return parsed<T>(answer);
    if (last || !RETRIED_STATUS.has(answer.status)) throw statusError(answer);
    await sleep(RETRY_DELAYS_MS[attempt], undefined, { signal });
  }
}

const serviceAccountPath = (pod: PodRef) =>
  `/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/serviceaccounts/${encodeURIComponent(pod.serviceAccount)}`;

/** POST .../serviceaccounts/<sa>/token, bound to the pod, as kubelet asks for a projected token. */
export async function requestServiceAccountToken(
  credentials: NodeCredentials,
  pod: PodRef,
  ask: TokenAsk,
  signal?: AbortSignal,
): Promise<ServiceAccountToken> {
  const answer = await call<{ status?: { token?: string; expirationTimestamp?: string } }>(
    credentials,
    "POST",
    `${serviceAccountPath(pod)}/token`,
    {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: {
        audiences: [ask.audience],
        expirationSeconds: ask.expirationSeconds,
        boundObjectRef: { apiVersion: "v1", kind: "Pod", name: pod.name, uid: pod.uid },
      },
    },
    signal,
  );
  const token = answer.status?.token;
  const expires = Date.parse(answer.status?.expirationTimestamp ?? "");
  if (!token)
    throw new IdentityError(
      `workload identity: the Kubernetes API server ${credentials.server} answered the TokenRequest without ` +
        `status.token`,
    );
  return { token, expiresOnTimestamp: Number.isFinite(expires) ? expires : Date.now() + ask.expirationSeconds * 1000 };
}

/** GET .../serviceaccounts/<sa>: its annotations. */
export async function readServiceAccountAnnotations(
  credentials: NodeCredentials,
  pod: PodRef,
  signal?: AbortSignal,
): Promise<Record<string, string>> {
  const answer = await call<{ metadata?: { annotations?: Record<string, string> } }>(
    credentials,
    "GET",
    serviceAccountPath(pod),
    undefined,
    signal,
  );
  return answer.metadata?.annotations ?? {};
}
