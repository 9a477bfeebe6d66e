// A kube-apiserver for workload identity tests: HTTPS on loopback with its own cluster CA,
// authenticating the node by client certificate (or bearer token) as kube-apiserver does,
// authorizing as the Node authorizer and NodeRestriction admission do (a token only for a
// service account of a pod bound to the node, bound to that pod; since 1.33 only audiences the
// pod projects or RBAC grants nodes), and answering in the real REST shapes: ServiceAccount,
// TokenRequest, metav1.Status. Service account tokens are RS256 JWTs signed with its own key,
// with the claims kube-apiserver puts in them. The driver finds it only through the kubeconfig
// a test writes (writeKubeconfig) and passes as KV_KUBECONFIG.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { closeServer, listen, readBody, sendJson, SocketTracker } from "./http";
import { Traffic, type Fault, type RequestRecord, type ServiceStats } from "./traffic";
import { derToPem, issueCertificate } from "./x509";
import { newSigningKey, signJwt, type SigningKey } from "./jwt";
import { keyPem, newKey, NodeCredentialIssuer, type KubeconfigForm, type NodeCredentialsOf } from "./nodeCredentials";

export type { KubeconfigForm, NodeCredentialsOf };

export interface KubernetesApiOptions {
  /** The node the driver runs on. */
  nodeName?: string;
  /** The cluster's service account issuer (`--service-account-issuer`). */
  issuer?: string;
  /**
   * Kubernetes ≥ 1.33: a node gets only audiences its pod projects or RBAC grants
   * (ServiceAccountNodeAudienceRestriction).
   */
  audienceRestriction?: boolean;
  /** Older clusters' Node authorizer lets a node create tokens but not read service accounts. */
  nodesMayReadServiceAccounts?: boolean;
}

export interface PodSpec {
  namespace: string;
  name: string;
  serviceAccount: string;
  uid?: string;
  /** Default: the node the driver runs on. */
  nodeName?: string;
  /** Audiences of the pod's projected service account token volumes (the webhook adds api://AzureADTokenExchange). */
  projectedAudiences?: string[];
}

export type Pod = Required<PodSpec>;

export interface KubernetesApi {
  /** https://127.0.0.1:<port> */
  url: string;
  nodeName: string;
  issuer: string;
  /** The key service account tokens are signed with (what the issuer's JWKS publishes). */
  signingKey: SigningKey;
  addServiceAccount(namespace: string, name: string, annotations?: Record<string, string>): void;
  addPod(spec: PodSpec): Pod;
  /** RBAC: `request-serviceaccounts-token-audience` on this audience for the group system:nodes. */
  grantNodesAudience(audience: string): void;
  /** A kubeconfig in its own directory (its files beside it); returns its path. */
  writeKubeconfig(form: KubeconfigForm, whose?: NodeCredentialsOf): Promise<string>;
  /**
   * Every service account token issued, and every node key and bearer token handed out: none may reach an answer or a
   * log.
   */
  readonly secrets: readonly string[];
  readonly requests: readonly RequestRecord[];
  stats(): ServiceStats;
  injectFault(fault: Fault): void;
  clearFaults(): void;
  resetStats(): void;
  close(): Promise<void>;
}

const CLUSTER_CA = "CN=kubernetes";

interface Account {
  uid: string;
  annotations: Record<string, string>;
}

function status(res: ServerResponse, code: number, reason: string, message: string, details?: object): void {
  sendJson(res, code, {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  });
}

const forbidden = (res: ServerResponse, kind: string, name: string, why: string) =>
  status(res, 403, "Forbidden", `${kind} "${name}" is forbidden: ${why}`, { name, kind });

export async function startKubernetesApi(options: KubernetesApiOptions = {}): Promise<KubernetesApi> {
  const dir = mkdtempSync(join(tmpdir(), "kv-kube-"));
  const nodeName = options.nodeName ?? "aks-nodepool1-27318450-vmss000000";
  const nodeUid = randomUUID();
  const issuer = options.issuer ?? `https://oidc.prod-aks.azure.com/${randomUUID()}/`;
  const signingKey = newSigningKey();
  const traffic = new Traffic();
  const sockets = new SocketTracker();
  const secrets: string[] = [];
  const accounts = new Map<string, Account>();
  const pods = new Map<string, Pod>();
  const grantedAudiences = new Set<string>();

  const caKey = newKey();
  const caPem = derToPem(await issueCertificate({ subject: CLUSTER_CA, subjectKey: caKey, ca: true, validDays: 30 }));
  const serverKey = newKey();
  const serverCert = await issueCertificate({
    subject: "CN=kube-apiserver",
    subjectKey: serverKey,
    issuer: { name: CLUSTER_CA, key: caKey },
    ipAddresses: ["127.0.0.1"],
    dnsNames: ["kubernetes.default.svc"],
    validDays: 2,
  });

  /**
   * The user kube-apiserver's authenticators find: a client certificate of the cluster CA first, then a bearer token.
   */
  function authenticate(req: IncomingMessage): string | undefined {
    const socket = req.socket as TLSSocket;
    if (socket.authorized) return [socket.getPeerCertificate().subject?.CN].flat()[0];
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    return bearer ? nodeCredentials.userOfToken(bearer) : undefined;
  }

  const nodeOf = (user: string) => /^system:node:(.+)$/.exec(user)?.[1];
  /** The Node authorizer's graph: node <- pod -> service account. */
  const related = (node: string, namespace: string, serviceAccount: string) =>
    [...pods.values()].some(
      (pod) => pod.nodeName === node && pod.namespace === namespace && pod.serviceAccount === serviceAccount,
    );

  function tokenRequest(res: ServerResponse, user: string, namespace: string, name: string, body: string): void {
    const node = nodeOf(user);
    if (!node || !related(node, namespace, name)) {
      const why = node ? `no relationship found between node '${node}' and this object` : "";
      return forbidden(
        res,
        "serviceaccounts",
        name,
        `User "${user}" cannot create resource "serviceaccounts/token" in API group "" in the ` +
          `namespace "${namespace}"${why ? `: ${why}` : ""}`,
      );
    }
    const account = accounts.get(`${namespace}/${name}`);
    if (!account)
      return status(res, 404, "NotFound", `serviceaccounts "${name}" not found`, { name, kind: "serviceaccounts" });
    let request: {
      kind?: string;
      spec?: {
        audiences?: string[];
        expirationSeconds?: number;
        boundObjectRef?: { apiVersion?: string; kind?: string; name?: string; uid?: string };
      };
    };
    try {
      request = JSON.parse(body) as typeof request;
    } catch {
      return status(res, 400, "BadRequest", "the body of the request was in an unknown format");
    }
    const { audiences = [], expirationSeconds = 3600, boundObjectRef: ref } = request.spec ?? {};
    if (request.kind !== "TokenRequest")
      return status(res, 400, "BadRequest", `expected a TokenRequest, got ${String(request.kind)}`);
    // NodeRestriction admission.
    if (!ref || ref.apiVersion !== "v1" || ref.kind !== "Pod" || !ref.name)
      return forbidden(res, "serviceaccounts", name, "node requested token not bound to a pod");
    if (!ref.uid)
      return forbidden(res, "serviceaccounts", name, "node requested token with a pod binding without a uid");
    const pod = pods.get(`${namespace}/${ref.name}`);
    if (!pod) return status(res, 404, "NotFound", `pods "${ref.name}" not found`, { name: ref.name, kind: "pods" });
    if (pod.uid !== ref.uid) {
      return forbidden(
        res,
        "serviceaccounts",
        name,
        `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might ` +
          `have been deleted and then recreated`,
      );
    }
    if (pod.nodeName !== node)
      return forbidden(
        res,
        "serviceaccounts",
        name,
        "node requested token bound to a pod scheduled on a different node",
      );
    if (audiences.length > 1) return forbidden(res, "serviceaccounts", name, "node may only request 0 or 1 audiences");
    const audience = audiences[0] ?? "";
    if (options.audienceRestriction && !pod.projectedAudiences.includes(audience) && !grantedAudiences.has(audience)) {
      return forbidden(
        res,
        "serviceaccounts",
        name,
        `audience "${audience}" not found in pod spec volume, ${user} is not authorized to request tokens for ` +
          `this audience`,
      );
    }
    if (expirationSeconds < 600)
      return status(
        res,
        422,
        "Invalid",
        `TokenRequest.authentication.k8s.io "${name}" is invalid: spec.expirationSeconds: ` +
          `Invalid value: ${expirationSeconds}: may not specify a duration less than 10 minutes`,
      );
    const now = Math.floor(Date.now() / 1000);
    const token = signJwt(
      {
        aud: audiences,
        exp: now + expirationSeconds,
        iat: now,
        iss: issuer,
        jti: randomUUID(),
        "kubernetes.io": {
          namespace,
          node: { name: node, uid: nodeUid },
          pod: { name: pod.name, uid: pod.uid },
          serviceaccount: { name, uid: account.uid },
        },
        nbf: now,
        sub: `system:serviceaccount:${namespace}:${name}`,
      },
      signingKey,
    );
    secrets.push(token);
    sendJson(res, 201, {
      kind: "TokenRequest",
      apiVersion: "authentication.k8s.io/v1",
      metadata: { name, namespace, creationTimestamp: null },
      spec: { audiences, expirationSeconds, boundObjectRef: ref },
      status: {
        token,
        expirationTimestamp: new Date((now + expirationSeconds) * 1000).toISOString().replace(/\.\d+Z$/, "Z"),
      },
    });
  }

  function readServiceAccount(res: ServerResponse, user: string, namespace: string, name: string): void {
    const node = nodeOf(user);
    const cannot =
      `User "${user}" cannot get resource "serviceaccounts" in API group "" in the ` + `namespace "${namespace}"`;
    if (!node) return forbidden(res, "serviceaccounts", name, cannot);
    if (options.nodesMayReadServiceAccounts === false) {
      return forbidden(
        res,
        "serviceaccounts",
        name,
        `${cannot}: can only create tokens for individual service accounts`,
      );
    }
    if (!related(node, namespace, name))
      return forbidden(
        res,
        "serviceaccounts",
        name,
        `${cannot}: no relationship found between node '${node}' and this object`,
      );
    const account = accounts.get(`${namespace}/${name}`);
    if (!account)
      return status(res, 404, "NotFound", `serviceaccounts "${name}" not found`, { name, kind: "serviceaccounts" });
    sendJson(res, 200, {
      kind: "ServiceAccount",
      apiVersion: "v1",
      metadata: {
        name,
        namespace,
        uid: account.uid,
        resourceVersion: "4242",
        creationTimestamp: "2026-01-01T00:00:00Z",
        ...(Object.keys(account.annotations).length ? { annotations: account.annotations } : {}),
      },
    });
  }

  const SERVICE_ACCOUNT = /^\/api\/v1\/namespaces\/([^/]+)\/serviceaccounts\/([^/]+)(\/token)?$/;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const user = authenticate(req);
    if (!user) return status(res, 401, "Unauthorized", "Unauthorized");
    const path = new URL(req.url ?? "/", "https://kubernetes").pathname;
    const match = SERVICE_ACCOUNT.exec(path);
    const [namespace, name] = match ? [decodeURIComponent(match[1]), decodeURIComponent(match[2])] : ["", ""];
    if (match?.[3] && req.method === "POST") return tokenRequest(res, user, namespace, name, body);
    if (match && !match[3] && req.method === "GET") return readServiceAccount(res, user, namespace, name);
    status(res, 404, "NotFound", "the server could not find the requested resource");
  }

  const server = createServer(
    {
      key: keyPem(serverKey),
      cert: derToPem(serverCert) + caPem,
      ca: caPem,
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      traffic
        .serve({ service: "kubernetes" }, req, res, () => handle(req, res))
        .catch((error: unknown) =>
          res.headersSent ? res.destroy() : status(res, 500, "InternalError", String(error)),
        );
    },
  );
  sockets.watch(server);
  server.on("secureConnection", (socket) => sockets.add(socket));
  const port = await listen(server, "127.0.0.1");
  const url = `https://127.0.0.1:${port}`;

  const nodeCredentials = new NodeCredentialIssuer({
    ca: { name: CLUSTER_CA, key: caKey, pem: caPem },
    nodeName,
    server: url,
    dir,
    secrets,
  });

  return {
    url,
    nodeName,
    issuer,
    signingKey,
    addServiceAccount(namespace, name, annotations = {}) {
      accounts.set(`${namespace}/${name}`, { uid: randomUUID(), annotations });
    },
    addPod(spec) {
      const pod: Pod = { uid: randomUUID(), nodeName, projectedAudiences: [], ...spec };
      pods.set(`${pod.namespace}/${pod.name}`, pod);
      return pod;
    },
    grantNodesAudience: (audience) => void grantedAudiences.add(audience),
    writeKubeconfig: (form, whose) => nodeCredentials.writeKubeconfig(form, whose),
    secrets,
    requests: traffic.requests,
    stats: () => ({ ...traffic.stats("kubernetes") }),
    injectFault: (fault) => traffic.injectFault(fault),
    clearFaults: () => traffic.clearFaults(),
    resetStats: () => traffic.resetStats(),
    async close() {
      traffic.close();
      sockets.destroyAll();
      await closeServer(server);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
