// The pure parts of workload identity: its options, the audience per cloud, the ids from the
// service account, and the explanations of refusals by the API server and by Azure AD.
import { IdentityError, OptionError } from "../../src/errors";
import {
  explainFederationFailure,
  federatedCredentialCommand,
  jwtClaims,
  type Federation,
} from "../../src/identity/federationFailures";
import { tokenExchangeAudience } from "../../src/identity/workloadIdentity";
import { explainApiFailure, type ApiCall } from "../../src/kubernetes/apiFailures";
import { KubernetesApiError } from "../../src/kubernetes/nodeClient";
import { workloadIds } from "../../src/kubernetes/serviceAccountIds";
import { parseVolumeOptions } from "../../src/options/parseVolumeOptions";

const CLIENT_ID = "3f1c9a52-7d4e-4b6a-9c0b-2e1d3c4b5a69";
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const POD = {
  name: "cart-7d9f",
  namespace: "shop",
  uid: "5f1c2a9e-0d3b-4c6e-8a7f-1b2c3d4e5f60",
  serviceAccount: "cart",
};

const kubelet = {
  "kubernetes.io/pod.name": POD.name,
  "kubernetes.io/pod.namespace": POD.namespace,
  "kubernetes.io/pod.uid": POD.uid,
  "kubernetes.io/serviceAccount.name": POD.serviceAccount,
};
const volume = {
  keyvaultname: "contoso-kv",
  keyvaultobjectnames: "a",
  keyvaultobjecttypes: "secret",
  useworkloadidentity: "true",
};

describe("options", () => {
  test("no tenantid and no clientid: both left to the service account", () => {
    const options = parseVolumeOptions({ ...kubelet, ...volume });
    expect(options.identity).toEqual({ kind: "workloadIdentity", pod: POD });
    expect(options).not.toHaveProperty("tenantId");
  });

  test("clientid and tenantid as options", () => {
    const options = parseVolumeOptions({ ...kubelet, ...volume, ClientId: CLIENT_ID, tenantid: TENANT });
    expect(options.identity).toEqual({ kind: "workloadIdentity", pod: POD, clientId: CLIENT_ID });
    expect(options.tenantId).toBe(TENANT);
  });

  test("tenantid stays required for every other identity", () => {
    expect(() =>
      parseVolumeOptions({ ...kubelet, ...volume, useworkloadidentity: "false", usevmmanagedidentity: "true" }),
    ).toThrow("option tenantid: is required");
  });

  test.each([
    ["a clientid that is no client id", { clientid: "my app" }, "clientid", "azure.workload.identity/client-id"],
    [
      "no service account name (a call by hand)",
      { "kubernetes.io/serviceAccount.name": "" },
      "kubernetes.io/serviceAccount.name",
      "bound to the pod",
    ],
    ["no pod uid", { "kubernetes.io/pod.uid": undefined }, "kubernetes.io/pod.uid", "is missing"],
    ["a pod uid with a slash", { "kubernetes.io/pod.uid": "../x" }, "kubernetes.io/pod.uid", "must be the pod's uid"],
    ["a bad tenantid", { tenantid: "a/b" }, "tenantid", "GUID or domain name"],
    [
      "three identity flags",
      { usepodidentity: "true", usevmmanagedidentity: "true" },
      "usepodidentity",
      "and usevmmanagedidentity are both",
    ],
    ["a flag that is not true or false", { useworkloadidentity: "yes" }, "useworkloadidentity", '"true" or "false"'],
  ])("refused: %s", (_name, change, option, words) => {
    const parse = () => parseVolumeOptions({ ...kubelet, ...volume, ...change });
    expect(parse).toThrow(OptionError);
    expect(parse).toThrow(`option ${option}: `);
    expect(parse).toThrow(words);
  });
});

test.each([
  ["AzurePublicCloud", "api://AzureADTokenExchange"],
  ["AzureChinaCloud", "api://AzureADTokenExchangeChina"],
  ["AzureUSGovernmentCloud", "api://AzureADTokenExchangeUSGov"],
  ["AzureGermanCloud", "api://AzureADTokenExchange"],
  ["AzureStackCloud", "api://AzureADTokenExchange"],
] as const)("the token exchange audience of %s is %s", (cloud, audience) => {
  expect(tokenExchangeAudience(cloud)).toBe(audience);
});

describe("client id and tenant from the service account", () => {
  const annotated = { "azure.workload.identity/client-id": CLIENT_ID, "azure.workload.identity/tenant-id": TENANT };

  test("options win; annotations fill in", () => {
    expect(workloadIds({ clientId: "1-2" }, POD, annotated)).toEqual({ clientId: "1-2", tenantId: TENANT });
    expect(workloadIds({}, POD, annotated)).toEqual({ clientId: CLIENT_ID, tenantId: TENANT });
  });

  test.each([
    [
      "no client id",
      {},
      "no client id for service account shop/cart: set the volume option clientid, or annotate the service " +
        "account (kubectl annotate serviceaccount -n shop cart azure.workload.identity/client-id=<client id>)",
    ],
    [
      "no tenant",
      { "azure.workload.identity/client-id": CLIENT_ID },
      "no tenant id for service account shop/cart: set the volume option tenantid",
    ],
    [
      "a malformed annotation",
      { ...annotated, "azure.workload.identity/client-id": "not a guid" },
      'the annotation azure.workload.identity/client-id of service account shop/cart, "not a guid", must be ' +
        "a client id",
    ],
  ])("%s: the option and the annotation named", (_name, annotations, problem) => {
    expect(workloadIds({}, POD, annotations)).toEqual({ problem: expect.stringContaining(problem) });
  });
});

describe("Azure AD's refusals", () => {
  const federation: Federation = {
    clientId: CLIENT_ID,
    tenantId: TENANT,
    issuer: "https://oidc.prod-aks.azure.com/0000/",
    subject: "system:serviceaccount:shop:cart",
    audience: "api://AzureADTokenExchange",
    serviceAccount: { namespace: "shop", name: "cart" },
  };

  test("the federated credential to register, as az commands", () => {
    expect(federatedCredentialCommand(federation)).toBe(
      "az identity federated-credential create --name kv-shop-cart --identity-name <managed identity name> " +
        "--resource-group <its resource group> " +
        "--issuer https://oidc.prod-aks.azure.com/0000/ --subject system:serviceaccount:shop:cart --audience " +
        "api://AzureADTokenExchange " +
        `(for an app registration: az ad app federated-credential create --id ${CLIENT_ID} --parameters ` +
        `'{"name":"kv-shop-cart","issuer":"https://oidc.prod-aks.azure.com/0000/","subject":"system:serviceaccount:shop:cart","audiences":["api://AzureADTokenExchange"]}')`,
    );
  });

  test.each([
    [
      "AADSTS70021: No matching federated identity record found for presented assertion.",
      ["(AADSTS70021)", "register one: az identity federated-credential create"],
    ],
    [
      "AADSTS700213: No matching federated identity record found for presented assertion subject 'x'.",
      ["(AADSTS700213)", "--subject system:serviceaccount:shop:cart"],
    ],
    [
      "AADSTS700016: Application with identifier 'x' was not found in the directory 'y'.",
      ["knows no application with client id", "clientid"],
    ],
    ["AADSTS700024: Client assertion is not within its valid time range.", ["this node's clock"]],
    [
      "AADSTS50166: Request to External OIDC endpoint failed.",
      [
        "cannot fetch the OpenID configuration of the token's issuer https://oidc.prod-aks.azure.com/0000/",
        "--enable-oidc-issuer",
      ],
    ],
  ])("%s", (description, words) => {
    const explained = explainFederationFailure(
      new Error(`invalid_request: Error(s): 70021 - Description: ${description}`),
      federation,
    );
    expect(explained).toBeInstanceOf(IdentityError);
    for (const word of words) expect((explained as Error).message).toContain(word);
  });

  test("anything else is left as it came", () => {
    const other = new Error("AADSTS90033: A transient error has occurred.");
    expect(explainFederationFailure(other, federation)).toBe(other);
  });

  test("the token's claims are read without its signature, and nothing of a non-JWT", () => {
    const token = [
      "e30",
      Buffer.from(JSON.stringify({ iss: "https://issuer/", sub: "s" })).toString("base64url"),
      "sig",
    ].join(".");
    expect(jwtClaims(token)).toEqual({ iss: "https://issuer/", sub: "s" });
    expect(jwtClaims("opaque")).toEqual({});
  });
});

describe("the API server's refusals", () => {
  const call: ApiCall = {
    step: "TokenRequest",
    credentials: {
      kubeconfig: "/var/lib/kubelet/kubeconfig",
      context: "default-context",
      user: "default-auth",
      server: "https://10.0.0.1:443",
      token: { data: "t" },
    },
    pod: POD,
    audience: "api://AzureADTokenExchange",
  };
  const refused = (status: number, reason: string, message: string, step: ApiCall["step"] = "TokenRequest") =>
    explainApiFailure(new KubernetesApiError(status, reason, message), { ...call, step }).message;

  test("401: the node identity and the kubeconfig", () => {
    expect(refused(401, "Unauthorized", "Unauthorized")).toBe(
      "workload identity: TokenRequest failed: the Kubernetes API server https://10.0.0.1:443 (kubeconfig " +
        "/var/lib/kubelet/kubeconfig, context default-context) did not accept the node's credentials, " +
        'the bearer token of kubeconfig user "default-auth", asking for a token for service account shop/cart ' +
        "(401 Unauthorized: Unauthorized); " +
        "KV_KUBECONFIG must be kubelet's own kubeconfig, and its client certificate current (kubelet rotates it)",
    );
  });

  test("403 for the audience (Kubernetes 1.33): both fixes", () => {
    const message = refused(
      403,
      "Forbidden",
      'serviceaccounts "cart" is forbidden: audience "api://AzureADTokenExchange" not found in pod spec volume, ' +
        "system:node:n1 is not authorized to request tokens for this audience",
    );
    expect(message).toContain('label pod shop/cart-7d9f azure.workload.identity/use: "true"');
    expect(message).toContain(
      'resources ["api://AzureADTokenExchange"], verbs ["request-serviceaccounts-token-audience"]',
    );
  });

  test("403 otherwise: the pod must be on this node; for the service account read: give both ids", () => {
    expect(refused(403, "Forbidden", "node requested token bound to a pod scheduled on a different node")).toContain(
      "pod shop/cart-7d9f (uid 5f1c2a9e-0d3b-4c6e-8a7f-1b2c3d4e5f60) must be scheduled on this node",
    );
    const readRefused = refused(
      403,
      "Forbidden",
      "no relationship found between node 'aks-1' and this object",
      "service account read",
    );
    expect(readRefused).toContain(
      "pod shop/cart-7d9f (uid 5f1c2a9e-0d3b-4c6e-8a7f-1b2c3d4e5f60) must be scheduled on this node",
    );
    expect(readRefused).toContain("give both clientid and tenantid as volume options");
  });

  test("a connection fault or an untrusted certificate", () => {
    const fault = (code: string) => explainApiFailure(Object.assign(new Error(code), { code }), call).message;
    expect(fault("ECONNREFUSED")).toContain(
      "cannot reach the Kubernetes API server https://10.0.0.1:443 (kubeconfig /var/lib/kubelet/kubeconfig, " +
        "context default-context): ECONNREFUSED",
    );
    expect(fault("UNABLE_TO_VERIFY_LEAF_SIGNATURE")).toContain(
      "is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE); the kubeconfig's certificate-authority",
    );
  });
});
