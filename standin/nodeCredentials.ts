// The node's credentials as the stand-in cluster hands them out, and kubeconfigs holding them
// in every form kubelet's kubeconfig takes: client certificates signed by the cluster CA (or by
// a CA the cluster does not trust), bearer tokens, each inline or in files.
import { generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { derToPem, issueCertificate } from "./x509";

/** How a kubeconfig gives the node's credentials. */
export type KubeconfigForm =
  /**
   * kubelet's own: client-certificate and client-key both naming kubelet-client-current.pem (cert and key in one file),
   * certificate-authority a file.
   */
  | "kubelet"
  /** client-certificate and client-key as separate files, relative to the kubeconfig; certificate-authority-data. */
  | "relative files"
  /** client-certificate-data, client-key-data, certificate-authority-data. */
  | "inline data"
  /** token; certificate-authority-data. */
  | "token"
  /** tokenFile, relative; certificate-authority a file. */
  | "token file";

/** Whose credentials the kubeconfig holds. */
export type NodeCredentialsOf = "this node" | "another node" | "no node of this cluster";

export const newKey = (): KeyObject => generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
export const keyPem = (key: KeyObject): string => key.export({ type: "pkcs8", format: "pem" });

const ANOTHER_NODE = "aks-nodepool1-27318450-vmss000007";
const b64 = (text: string) => Buffer.from(text).toString("base64");

export interface IssuerSetup {
  ca: { name: string; key: KeyObject; pem: string };
  nodeName: string;
  server: string;
  /** Where kubeconfigs are written. */
  dir: string;
  /** Every key and token handed out goes here: none may reach an answer or a log. */
  secrets: string[];
}

export class NodeCredentialIssuer {
  private readonly foreignCa = { name: "CN=another cluster", key: newKey() };
  /** bearer token -> user */
  private readonly tokens = new Map<string, string>();
  private kubeconfigs = 0;

  constructor(private readonly setup: IssuerSetup) {}

  userOfToken(token: string): string | undefined {
    return this.tokens.get(token);
  }

  private nodeOf(whose: NodeCredentialsOf): string {
    return whose === "another node" ? ANOTHER_NODE : this.setup.nodeName;
  }

  /** A client certificate (CN=system:node:<name>, O=system:nodes) and its key, in PEM. */
  private async clientCertificate(whose: NodeCredentialsOf): Promise<{ cert: string; key: string }> {
    const key = newKey();
    const signer = whose === "no node of this cluster" ? this.foreignCa : this.setup.ca;
    const cert = derToPem(
      await issueCertificate({
        subject: `CN=system:node:${this.nodeOf(whose)}, O=system:nodes`,
        subjectKey: key,
        issuer: signer,
        validDays: 2,
      }),
    );
    this.setup.secrets.push(keyPem(key).split("\n")[1]);
    return { cert, key: keyPem(key) };
  }

  /** A bootstrap token's shape; one the cluster does not know for "no node of this cluster". */
  private bearerToken(whose: NodeCredentialsOf): string {
    const token = `${randomBytes(3).toString("hex")}.${randomBytes(8).toString("hex")}`;
    if (whose !== "no node of this cluster") this.tokens.set(token, `system:node:${this.nodeOf(whose)}`);
    this.setup.secrets.push(token);
    return token;
  }

  /** A kubeconfig in its own directory (its files beside it); returns its path. */
  async writeKubeconfig(form: KubeconfigForm, whose: NodeCredentialsOf = "this node"): Promise<string> {
    const home = join(this.setup.dir, `kubeconfig-${this.kubeconfigs++}`);
    mkdirSync(join(home, "pki"), { recursive: true });
    const file = (relative: string, content: string) => (
      writeFileSync(join(home, relative), content, { mode: 0o600 }),
      join(home, relative)
    );
    const { pem } = this.setup.ca;
    const cluster: Record<string, string> =
      form === "kubelet" || form === "token file"
        ? { "certificate-authority": file("ca.crt", pem) }
        : { "certificate-authority-data": b64(pem) };
    let user: Record<string, string>;
    if (form === "token") user = { token: this.bearerToken(whose) };
    else if (form === "token file")
      user = (file("pki/token", `${this.bearerToken(whose)}\n`), { tokenFile: "pki/token" });
    else {
      const { cert, key } = await this.clientCertificate(whose);
      if (form === "inline data") user = { "client-certificate-data": b64(cert), "client-key-data": b64(key) };
      else if (form === "relative files")
        user =
          (file("pki/client.crt", cert),
          file("pki/client.key", key),
          { "client-certificate": "pki/client.crt", "client-key": "pki/client.key" });
      else {
        const current = file("pki/kubelet-client-current.pem", cert + key);
        user = { "client-certificate": current, "client-key": current };
      }
    }
    const entries = (fields: Record<string, string>) => Object.entries(fields).map(([k, v]) => `    ${k}: ${v}`);
    const yaml = [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "- name: default-cluster",
      "  cluster:",
      ...entries({ ...cluster, server: this.setup.server }),
      "contexts:",
      "- name: default-context",
      "  context:",
      "    cluster: default-cluster",
      "    namespace: default",
      "    user: default-auth",
      "current-context: default-context",
      "users:",
      "- name: default-auth",
      "  user:",
      ...entries(user),
      "",
    ].join("\n");
    return file("kubeconfig", yaml);
  }
}
