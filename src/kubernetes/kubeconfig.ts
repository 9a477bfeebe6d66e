// The node's own credentials for the Kubernetes API, from kubelet's kubeconfig: which file, and
// what its current context says. Parsing is pure; the files it names are read per call
// (nodeClient.ts), because kubelet rotates its client certificate in place.
import { dirname, isAbsolute, resolve } from "node:path";
import { parse, YAMLParseError } from "yaml";
import { IdentityError } from "../errors";
import { decodeStdBase64 } from "../text/base64";
import { isJsonObject } from "../text/json";

const KUBECONFIG_VARIABLE = "KV_KUBECONFIG";
/** Where kubelet's kubeconfig is when KV_KUBECONFIG does not say: kubeadm and AKS, then older kubeadm. */
export const DEFAULT_KUBECONFIGS = ["/var/lib/kubelet/kubeconfig", "/etc/kubernetes/kubelet.conf"] as const;

/** PEM or token text, inline (`*-data`, `token`) or in a file (`client-certificate`, `tokenFile`, ...). */
export type Material = { file: string } | { data: string };

export interface NodeCredentials {
  /** The kubeconfig file these came from. */
  kubeconfig: string;
  context: string;
  user: string;
  /** The API server's URL, e.g. `https://10.0.0.1:443`; a path (behind a proxy) is kept. */
  server: string;
  /** The name the server's certificate is checked against, when not the server URL's host. */
  tlsServerName?: string;
  /** Absent: the system's CAs (and NODE_EXTRA_CA_CERTS). */
  certificateAuthority?: Material;
  clientCertificate?: { certificate: Material; key: Material };
  token?: Material;
}

function problem(path: string, text: string): IdentityError {
  return new IdentityError(`workload identity: kubeconfig ${path} ${text}`);
}

type Mapping = Record<string, unknown>;

/** The `name`d entry of a kubeconfig list (clusters, contexts, users), its inner object under `field`. */
function namedEntry(config: Mapping, list: string, field: string, name: string, path: string): Mapping {
  const entries = Array.isArray(config[list]) ? (config[list] as unknown[]) : [];
  const entry = entries.find((item) => isJsonObject(item) && item.name === name);
  if (!isJsonObject(entry) || !isJsonObject(entry[field]))
    throw problem(path, `has no ${list} entry named ${JSON.stringify(name)} (the current context names it)`);
  return entry[field];
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/**
 * A material given as a file (relative to the kubeconfig's directory, as kubectl reads it) or as
 * base64 data; the data wins when both are given, as in client-go.
 */
function material(entry: Mapping, fileKey: string, dataKey: string, path: string, base64 = true): Material | undefined {
  const data = text(entry[dataKey]);
  if (data !== undefined) {
    if (!base64) return { data };
    const decoded = decodeStdBase64(data);
    // Never echo it: it may be a private key.
    if (!decoded) throw problem(path, `has a ${dataKey} that is not base64`);
    return { data: decoded.toString("utf8") };
  }
  const file = text(entry[fileKey]);
  if (file === undefined) return undefined;
  return { file: isAbsolute(file) ? file : resolve(dirname(path), file) };
}

/** Where the YAML is wrong, never the parser's message: it quotes the file, which may hold a key. */
function yamlProblem(error: unknown): string {
  const at = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}` : "";
  return `is not valid YAML${at}`;
}

export function parseKubeconfig(yaml: string, path: string): NodeCredentials {
  let config: unknown;
  try {
    config = parse(yaml);
  } catch (error) {
    throw problem(path, yamlProblem(error));
  }
  if (!isJsonObject(config))
    throw problem(path, "is not a kubeconfig (a YAML mapping with clusters, contexts and users)");
  const contextName = text(config["current-context"]);
  if (!contextName) throw problem(path, "has no current-context; kubelet's kubeconfig names one");
  const context = namedEntry(config, "contexts", "context", contextName, path);
  const clusterName = text(context.cluster) ?? "";
  const userName = text(context.user) ?? "";
  const cluster = namedEntry(config, "clusters", "cluster", clusterName, path);
  const user = namedEntry(config, "users", "user", userName, path);

  const server = text(cluster.server);
  const url = server && URL.canParse(server) ? new URL(server) : undefined;
  if (url?.protocol !== "https:") throw problem(path, `cluster ${JSON.stringify(clusterName)} has no https server URL`);

  const certificate = material(user, "client-certificate", "client-certificate-data", path);
  const key = material(user, "client-key", "client-key-data", path);
  if ((certificate === undefined) !== (key === undefined))
    throw problem(
      path,
      `user ${JSON.stringify(userName)} has a client certificate without its key, or a key without its certificate`,
    );
  const token = material(user, "tokenFile", "token", path, false);
  if (!certificate && !token) {
    const plugin = ["exec", "auth-provider"].find((field) => user[field] !== undefined);
    throw problem(
      path,
      `user ${JSON.stringify(userName)} has ` +
        `${plugin ? `only an ${plugin} plugin, which the driver does not run` : "no credentials"}; ` +
        "the driver uses a client certificate (client-certificate/client-key or their -data) or a bearer token " +
        "(token or tokenFile), as kubelet's kubeconfig has",
    );
  }
  const tlsServerName = text(cluster["tls-server-name"]);
  const certificateAuthority = material(cluster, "certificate-authority", "certificate-authority-data", path);
  return {
    kubeconfig: path,
    context: contextName,
    user: userName,
    server: server as string,
    ...(tlsServerName ? { tlsServerName } : {}),
    ...(certificateAuthority ? { certificateAuthority } : {}),
    ...(certificate && key ? { clientCertificate: { certificate, key } } : {}),
    ...(token ? { token } : {}),
  };
}

/** The kubeconfig files to try, in order: KV_KUBECONFIG alone when it is set. */
export function kubeconfigCandidates(env: NodeJS.ProcessEnv): readonly string[] {
  const named = env[KUBECONFIG_VARIABLE]?.trim();
  return named ? [named] : DEFAULT_KUBECONFIGS;
}

/** Reads the first kubeconfig that exists; every path tried is named when none does. */
export function loadNodeCredentials(env: NodeJS.ProcessEnv, readFile: (path: string) => string): NodeCredentials {
  const candidates = kubeconfigCandidates(env);
  const missing: string[] = [];
  for (const path of candidates) {
    let yaml: string;
    try {
      yaml = readFile(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") {
        missing.push(path);
        continue;
      }
      throw problem(
        path,
        `cannot be read (${code ?? (error as Error).message}); the driver runs as kubelet does, as root`,
      );
    }
    return parseKubeconfig(yaml, path);
  }
  const tried = env[KUBECONFIG_VARIABLE]?.trim()
    ? `${KUBECONFIG_VARIABLE} names ${missing[0]}, which does not exist`
    : `KV_KUBECONFIG is not set and none of ${missing.join(", ")} exists`;
  throw new IdentityError(
    `workload identity: no kubeconfig with the node's credentials: ${tried}; set ${KUBECONFIG_VARIABLE} in kubelet's ` +
      `environment to the file kubelet's --kubeconfig flag names`,
  );
}
