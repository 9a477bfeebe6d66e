// Kubelet's kubeconfig, in every form it takes, into NodeCredentials; and which file is read.
import { IdentityError } from "../../src/errors";
import {
  DEFAULT_KUBECONFIGS,
  kubeconfigCandidates,
  loadNodeCredentials,
  parseKubeconfig,
} from "../../src/kubernetes/kubeconfig";

const PATH = "/var/lib/kubelet/kubeconfig";
const b64 = (text: string) => Buffer.from(text).toString("base64");
const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

function kubeconfig(cluster: string, user: string, extra = ""): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: other
  cluster:
    server: https://other.example:6443
- name: default-cluster
  cluster:
${cluster}
contexts:
- name: other-context
  context: { cluster: other, user: other-user }
- name: default-context
  context:
    cluster: default-cluster
    user: default-auth
current-context: default-context
users:
- name: other-user
  user: { token: not-this-one }
- name: default-auth
  user:
${user}
${extra}`;
}

test.each([
  [
    "AKS: one file for the rotating client certificate and key, CA file",
    kubeconfig(
      "    certificate-authority: /etc/kubernetes/certs/ca.crt\n    server: " +
        "https://contoso-dns-1a2b3c4d.hcp.eastus.azmk8s.io:443",
      "    client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem\n    client-key: " +
        "/var/lib/kubelet/pki/kubelet-client-current.pem",
    ),
    {
      server: "https://contoso-dns-1a2b3c4d.hcp.eastus.azmk8s.io:443",
      certificateAuthority: { file: "/etc/kubernetes/certs/ca.crt" },
      clientCertificate: {
        certificate: { file: "/var/lib/kubelet/pki/kubelet-client-current.pem" },
        key: { file: "/var/lib/kubelet/pki/kubelet-client-current.pem" },
      },
    },
  ],
  [
    "kubeadm: inline data",
    kubeconfig(
      `    certificate-authority-data: ${b64(CA)}\n    server: https://10.0.0.1:6443`,
      `    client-certificate-data: ${b64("CERT")}\n    client-key-data: ${b64("KEY")}`,
    ),
    {
      server: "https://10.0.0.1:6443",
      certificateAuthority: { data: CA },
      clientCertificate: { certificate: { data: "CERT" }, key: { data: "KEY" } },
    },
  ],
  [
    "relative paths, from the kubeconfig's directory as kubectl reads them; tls-server-name",
    kubeconfig(
      "    certificate-authority: pki/ca.crt\n    server: https://10.0.0.1:6443\n    tls-server-name: kubernetes",
      "    client-certificate: pki/c.crt\n    client-key: ../k.key",
    ),
    {
      server: "https://10.0.0.1:6443",
      tlsServerName: "kubernetes",
      certificateAuthority: { file: "/var/lib/kubelet/pki/ca.crt" },
      clientCertificate: { certificate: { file: "/var/lib/kubelet/pki/c.crt" }, key: { file: "/var/lib/k.key" } },
    },
  ],
  [
    "a bearer token, no CA: the system's",
    kubeconfig("    server: https://k.example/prefix", "    token: abcdef.0123456789abcdef"),
    { server: "https://k.example/prefix", token: { data: "abcdef.0123456789abcdef" } },
  ],
  [
    "a token file",
    kubeconfig("    server: https://k.example", "    tokenFile: /var/run/node-token"),
    { server: "https://k.example", token: { file: "/var/run/node-token" } },
  ],
])("%s", (_name, yaml, expected) => {
  expect(parseKubeconfig(yaml, PATH)).toEqual({
    kubeconfig: PATH,
    context: "default-context",
    user: "default-auth",
    ...expected,
  });
});

const SERVER = "    server: https://10.0.0.1:6443";

test.each([
  ["not YAML", "clusters: [\n  - {", "is not valid YAML at line"],
  ["not a mapping", "- a\n- b", "is not a kubeconfig"],
  ["no current-context", "clusters: []\ncontexts: []\nusers: []", "has no current-context"],
  [
    "a context naming a missing cluster",
    kubeconfig(SERVER, "    token: t").replace("cluster: default-cluster", "cluster: gone"),
    'no clusters entry named "gone"',
  ],
  ["an http server", kubeconfig("    server: http://10.0.0.1:8080", "    token: t"), "has no https server URL"],
  [
    "a certificate without a key",
    kubeconfig(SERVER, "    client-certificate: /c.pem"),
    "a client certificate without its key",
  ],
  [
    "an exec plugin only",
    kubeconfig(SERVER, "    exec:\n      command: aws-iam-authenticator"),
    "only an exec plugin, which the driver does not run",
  ],
  ["no credentials", kubeconfig(SERVER, "    username: admin"), "has no credentials"],
  [
    "key data that is not base64",
    kubeconfig(SERVER, "    client-certificate-data: QQ==\n    client-key-data: not*base64"),
    "client-key-data that is not base64",
  ],
])("refused: %s, naming the kubeconfig", (_name, yaml, words) => {
  const parse = () => parseKubeconfig(yaml, PATH);
  expect(parse).toThrow(IdentityError);
  expect(parse).toThrow(`workload identity: kubeconfig ${PATH} `);
  expect(parse).toThrow(words);
});

test("a refusal never quotes the file: key data stays out of the message", () => {
  const yaml = kubeconfig(SERVER, "    client-certificate-data: QQ==\n    client-key-data: c2VjcmV0LWtleQ==!!").concat(
    "\n  : [unbalanced",
  );
  expect(() => parseKubeconfig(yaml, PATH)).toThrow(
    expect.objectContaining({ message: expect.not.stringContaining("c2VjcmV0") }),
  );
});

describe("which kubeconfig", () => {
  test("KV_KUBECONFIG alone when set; else kubelet's two usual places", () => {
    expect(kubeconfigCandidates({ KV_KUBECONFIG: "/etc/kv/kubeconfig" })).toEqual(["/etc/kv/kubeconfig"]);
    expect(kubeconfigCandidates({ KV_KUBECONFIG: " " })).toEqual(DEFAULT_KUBECONFIGS);
    expect(DEFAULT_KUBECONFIGS).toEqual(["/var/lib/kubelet/kubeconfig", "/etc/kubernetes/kubelet.conf"]);
  });

  const enoent = () => {
    throw Object.assign(new Error("gone"), { code: "ENOENT" });
  };

  test("the first default that exists is read", () => {
    const read: string[] = [];
    const credentials = loadNodeCredentials({}, (path) => {
      read.push(path);
      if (path === DEFAULT_KUBECONFIGS[0]) enoent();
      return kubeconfig(SERVER, "    token: t");
    });
    expect(read).toEqual([...DEFAULT_KUBECONFIGS]);
    expect(credentials.kubeconfig).toBe("/etc/kubernetes/kubelet.conf");
  });

  test("none: every path tried is named", () => {
    expect(() => loadNodeCredentials({}, enoent)).toThrow(
      "KV_KUBECONFIG is not set and none of /var/lib/kubelet/kubeconfig, /etc/kubernetes/kubelet.conf exists",
    );
  });

  test("unreadable for another reason: that reason, no fallback", () => {
    const denied = () => {
      throw Object.assign(new Error("denied"), { code: "EACCES" });
    };
    expect(() => loadNodeCredentials({ KV_KUBECONFIG: "/k" }, denied)).toThrow("kubeconfig /k cannot be read (EACCES)");
  });
});
