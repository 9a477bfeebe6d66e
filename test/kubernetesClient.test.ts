// The workload identity's Kubernetes API client (src/kubernetes/nodeClient.ts) against an API
// server that misbehaves, over real TLS: one that hangs is given up when the deadline fires,
// its connection closed; one that answers 2xx with something other than JSON is named as such,
// and nothing of the answer (which may hold a token) reaches the message.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TestCa } from "../standin/ca";
import { closeServer, listen, SocketTracker } from "../standin/http";
import { explainApiFailure, type ApiCall } from "../src/kubernetes/apiFailures";
import type { NodeCredentials } from "../src/kubernetes/kubeconfig";
import { requestServiceAccountToken } from "../src/kubernetes/nodeClient";

const POD = { namespace: "shop", name: "cart-0", uid: "5f1c2a9e-0d3b-4c1e-9a7b-1234567890ab", serviceAccount: "cart" };
const ASK = { audience: "api://AzureADTokenExchange", expirationSeconds: 3600 };
const LEAKED = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJl";

let dir: string;
let ca: TestCa;
let server: Server;
let sockets: SocketTracker;
let credentials: NodeCredentials;
/** What the server does with a request: nothing at all (hang), or answer 200 with an HTML page. */
let behaviour: "hang" | "html" = "hang";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kv-kube-client-"));
  ca = await TestCa.create(dir);
  sockets = new SocketTracker();
  server = createServer(await ca.serverCredentials("127.0.0.1"), (_req, res) => {
    if (behaviour === "html")
      res.writeHead(200, { "content-type": "text/html" }).end(`<html>signed in: ${LEAKED}</html>`);
  });
  sockets.watch(server);
  const port = await listen(server, "127.0.0.1");
  credentials = {
    kubeconfig: "/var/lib/kubelet/kubeconfig",
    context: "default",
    user: "default-auth",
    server: `https://127.0.0.1:${port}`,
    certificateAuthority: { data: ca.pem },
    token: { data: "node-bearer-token-9c1f" },
  };
});

afterAll(async () => {
  sockets.destroyAll();
  await closeServer(server);
  rmSync(dir, { recursive: true, force: true });
});

const call: () => ApiCall = () => ({ step: "TokenRequest", credentials, pod: POD, audience: ASK.audience });

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    promise.then(
      () => new Error("it succeeded"),
      (error: unknown) => error as Error,
    ),
    new Promise<Error>((resolve) => (timer = setTimeout(() => resolve(new Error("still waiting after 5 s")), 5_000))),
  ]);
  clearTimeout(timer);
  return explainApiFailure(settled, call());
}

test("an API server that hangs: the request is given up at the deadline and its connection closed", async () => {
  behaviour = "hang";
  const error = await failureOf(requestServiceAccountToken(credentials, POD, ASK, AbortSignal.timeout(500)));
  expect(error.message).toBe(
    `workload identity: TokenRequest failed: the Kubernetes API server ${credentials.server} (kubeconfig ` +
      `${credentials.kubeconfig}, context default) did not answer before the deadline`,
  );
  for (const until = Date.now() + 2_000; sockets.size > 0 && Date.now() < until;)
    await new Promise((wake) => setTimeout(wake, 50));
  expect(sockets.size).toBe(0);
});

test("a 2xx answer that is not JSON is named so, and none of it is quoted", async () => {
  behaviour = "html";
  const error = await failureOf(requestServiceAccountToken(credentials, POD, ASK, AbortSignal.timeout(3_000)));
  expect(error.message).toContain(
    `TokenRequest failed: the Kubernetes API server ${credentials.server} (kubeconfig ${credentials.kubeconfig}, ` +
      "context default) answered HTTP 200 without JSON",
  );
  expect(error.message).not.toContain("cannot reach");
  expect(error.message).not.toContain("eyJ");
  expect(error.message).not.toContain("<html>");
});
