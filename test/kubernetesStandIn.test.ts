// The Kubernetes API and federation stand-ins (standin/) keep to the real shapes and rules the
// workload identity tests rely on, checked with plain node:https, not the driver's client.
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { parse } from "yaml";
import { Federation, JWT_BEARER } from "../standin/federation";
import { decodeJwt } from "../standin/jwt";
import { startKubernetesApi, type KubernetesApi } from "../standin/kubernetesApi";

let kube: KubernetesApi;
beforeAll(async () => {
  kube = await startKubernetesApi({ audienceRestriction: true });
});
afterAll(() => kube?.close());

/** A request with the credentials of a kubeconfig the stand-in wrote (kubelet's form: files). */
async function call(
  kubeconfig: string,
  method: string,
  path: string,
  body?: object,
): Promise<{ status: number; json: any }> {
  const user = parse(readFileSync(kubeconfig, "utf8")).users[0].user;
  const cluster = parse(readFileSync(kubeconfig, "utf8")).clusters[0].cluster;
  return new Promise((resolve, reject) => {
    const outgoing = request(
      `${cluster.server}${path}`,
      {
        method,
        ca: readFileSync(cluster["certificate-authority"]),
        cert: readFileSync(user["client-certificate"]),
        key: readFileSync(user["client-key"]),
      },
      (incoming) => {
        let text = "";
        incoming.on("data", (chunk) => (text += chunk));
        incoming.on("end", () => resolve({ status: incoming.statusCode ?? 0, json: JSON.parse(text) }));
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body && JSON.stringify(body));
  });
}

const tokenRequest = (name: string, uid: string, audience = "api://AzureADTokenExchange") => ({
  apiVersion: "authentication.k8s.io/v1",
  kind: "TokenRequest",
  spec: {
    audiences: [audience],
    expirationSeconds: 3600,
    boundObjectRef: { apiVersion: "v1", kind: "Pod", name, uid },
  },
});

test(
  "a TokenRequest for a pod on the node: 201, status.token a JWT with kube-apiserver's claims, signed by " +
    "the issuer's key",
  async () => {
    kube.addServiceAccount("shop", "cart");
    const pod = kube.addPod({
      namespace: "shop",
      name: "cart-1",
      serviceAccount: "cart",
      projectedAudiences: ["api://AzureADTokenExchange"],
    });
    const { status, json } = await call(
      await kube.writeKubeconfig("kubelet"),
      "POST",
      "/api/v1/namespaces/shop/serviceaccounts/cart/token",
      tokenRequest(pod.name, pod.uid),
    );
    expect(status).toBe(201);
    expect(json).toMatchObject({
      kind: "TokenRequest",
      apiVersion: "authentication.k8s.io/v1",
      status: { expirationTimestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) },
    });
    const jwt = decodeJwt(json.status.token)!;
    expect(jwt.signedBy(kube.signingKey.publicKey)).toBe(true);
    expect(jwt.header).toEqual({ alg: "RS256", kid: kube.signingKey.kid });
    expect(jwt.claims).toMatchObject({
      aud: ["api://AzureADTokenExchange"],
      iss: kube.issuer,
      sub: "system:serviceaccount:shop:cart",
      "kubernetes.io": {
        namespace: "shop",
        pod: { name: "cart-1", uid: pod.uid },
        node: { name: kube.nodeName },
        serviceaccount: { name: "cart" },
      },
    });
    expect((jwt.claims.exp as number) - (jwt.claims.iat as number)).toBe(3600);
  },
);

test.each([
  ["no node of this cluster", "the cluster CA did not sign its certificate", 401, "Unauthorized", "Unauthorized"],
  [
    "another node",
    "a pod not bound to it",
    403,
    "Forbidden",
    "no relationship found between node 'aks-nodepool1-27318450-vmss000007' and this object",
  ],
] as const)("%s (%s): metav1.Status %i", async (whose, _why, code, reason, message) => {
  kube.addServiceAccount("shop", "web");
  const pod = kube.addPod({ namespace: "shop", name: "web-1", serviceAccount: "web" });
  const { status, json } = await call(
    await kube.writeKubeconfig("kubelet", whose),
    "POST",
    "/api/v1/namespaces/shop/serviceaccounts/web/token",
    tokenRequest(pod.name, pod.uid),
  );
  expect(status).toBe(code);
  expect(json).toMatchObject({ kind: "Status", apiVersion: "v1", status: "Failure", reason, code });
  expect(json.message).toContain(message);
});

test("NodeRestriction: the pod's uid, and since 1.33 only an audience the pod projects or RBAC grants", async () => {
  kube.addServiceAccount("shop", "api");
  const pod = kube.addPod({ namespace: "shop", name: "api-1", serviceAccount: "api" });
  const kubeconfig = await kube.writeKubeconfig("kubelet");
  const path = "/api/v1/namespaces/shop/serviceaccounts/api/token";
  expect((await call(kubeconfig, "POST", path, tokenRequest(pod.name, "0000"))).json.message).toContain(
    "does not match the UID in record",
  );
  const refused = await call(kubeconfig, "POST", path, tokenRequest(pod.name, pod.uid));
  expect(refused.json.message).toBe(
    `serviceaccounts "api" is forbidden: audience "api://AzureADTokenExchange" not found in pod spec volume, ` +
      `system:node:${kube.nodeName} is not authorized to request tokens for this audience`,
  );
  kube.grantNodesAudience("api://AzureADTokenExchange");
  expect((await call(kubeconfig, "POST", path, tokenRequest(pod.name, pod.uid))).status).toBe(201);
});

test("a ServiceAccount read: its annotations, in the real shape", async () => {
  kube.addServiceAccount("shop", "reader", { "azure.workload.identity/client-id": "c" });
  kube.addPod({ namespace: "shop", name: "reader-1", serviceAccount: "reader" });
  const { status, json } = await call(
    await kube.writeKubeconfig("kubelet"),
    "GET",
    "/api/v1/namespaces/shop/serviceaccounts/reader",
  );
  expect(status).toBe(200);
  expect(json).toMatchObject({
    kind: "ServiceAccount",
    apiVersion: "v1",
    metadata: {
      name: "reader",
      namespace: "shop",
      uid: expect.any(String),
      annotations: { "azure.workload.identity/client-id": "c" },
    },
  });
});

describe("federation at Azure AD", () => {
  const federation = new Federation("tenant-1");
  const assertion = async (audience = "api://AzureADTokenExchange") => {
    kube.addServiceAccount("fed", "app");
    const pod = kube.addPod({ namespace: "fed", name: `app-${Math.random()}`, serviceAccount: "app" });
    const { json } = await call(
      await kube.writeKubeconfig("kubelet"),
      "POST",
      "/api/v1/namespaces/fed/serviceaccounts/app/token",
      tokenRequest(pod.name, pod.uid, audience),
    );
    return json.status.token as string;
  };
  const subject = "system:serviceaccount:fed:app";

  test("only an assertion matching a federated credential, signed by its issuer's key, signs in", async () => {
    kube.grantNodesAudience("api://other");
    const identity = federation.addIdentity({
      federatedCredentials: [{ issuer: kube.issuer, subject, audiences: ["api://AzureADTokenExchange"] }],
    });
    const token = await assertion();
    // issuer not trusted yet
    expect(federation.signIn(identity.clientId, "tenant-1", JWT_BEARER, token)).toMatchObject({ code: 50166 });
    federation.trustIssuer(kube.issuer, kube.signingKey.publicKey);
    expect(federation.signIn(identity.clientId, "tenant-1", JWT_BEARER, token)).toEqual({ principal: identity });
    const forged = `${token.split(".").slice(0, 2).join(".")}.${Buffer.from("forged").toString("base64url")}`;
    expect(federation.signIn(identity.clientId, "tenant-1", JWT_BEARER, forged)).toMatchObject({ code: 700027 });
    const refusal = federation.signIn(identity.clientId, "tenant-1", JWT_BEARER, await assertion("api://other"));
    expect(refusal).toMatchObject({ status: 400, error: "invalid_request", code: 70021 });
    expect((refusal as { text: string }).text).toBe(
      `No matching federated identity record found for presented assertion. Assertion ` +
        `Issuer: '${kube.issuer}'. Assertion ` +
        `Subject: '${subject}'. Assertion Audience: 'api://other'. ` +
        `https://docs.microsoft.com/en-us/azure/active-directory/develop/workload-identity-federation`,
    );
    expect(federation.signIn(identity.clientId, "tenant-2", JWT_BEARER, token)).toMatchObject({ code: 700016 });
  });
});
