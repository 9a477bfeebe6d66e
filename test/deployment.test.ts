// The manifests in deployment/: valid Kubernetes objects, an installer DaemonSet whose
// parts agree with each other, and example pods whose flexVolume options pass the
// driver's own validation exactly as kubelet would hand them over.
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import { parseVolumeOptions } from "../src/options/parseVolumeOptions";
import { DEFAULT_KUBECONFIGS } from "../src/kubernetes/kubeconfig";
import { parseListenAddress } from "../src/refresher/listenAddress";
import { DEFAULT_STATE_DIR } from "../src/stateDir";

const DEPLOYMENT = resolve(__dirname, "..", "deployment");
const DRIVER = "azure/kv";

// Manifests are checked field by field below; `any` keeps those lookups readable.
type Doc = any;
interface Manifest {
  file: string;
  doc: Doc;
}

const files = readdirSync(DEPLOYMENT)
  .filter((name) => name.endsWith(".yaml"))
  .sort();
const manifests: Manifest[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(join(DEPLOYMENT, file), "utf8")).map((parsed) => ({ file, doc: parsed.toJS() })),
);
const named = (kind: string, name: string): Doc =>
  manifests.find(({ doc }) => doc.kind === kind && doc.metadata.name === name)?.doc;
const describeDoc = ({ file, doc }: Manifest) => `${file}: ${doc.kind} ${doc.metadata?.name}`;

test.each(files)("%s is YAML without errors or warnings", (file) => {
  for (const parsed of parseAllDocuments(readFileSync(join(DEPLOYMENT, file), "utf8"))) {
    expect([...parsed.errors, ...parsed.warnings].map(String)).toEqual([]);
    expect(parsed.toJS()).toEqual(
      expect.objectContaining({ apiVersion: expect.any(String), kind: expect.any(String) }),
    );
  }
});

/**
 * kubernetes-models lays its classes out as <group>/<version>/<Kind> (the core group is just
 * v1), as ES modules only: imported, not required.
 */
async function modelClass(apiVersion: string, kind: string): Promise<new (data: unknown) => { validate(): void }> {
  return (await import(`kubernetes-models/${apiVersion}/${kind}`))[kind];
}

test.each(manifests.map((m) => [describeDoc(m), m] as const))(
  "%s validates against the Kubernetes schema",
  async (_name, { doc }) => {
    const Model = await modelClass(doc.apiVersion, doc.kind);
    expect(() => new Model(doc).validate()).not.toThrow();
  },
);

describe("the installer DaemonSet", () => {
  const daemonSet = named("DaemonSet", "kv-flexvol-installer");
  const pod = daemonSet.spec.template.spec;
  const [container] = pod.containers;
  const env = Object.fromEntries(container.env.map((e: Doc) => [e.name, e.value]));
  const pluginVolume = pod.volumes.find((v: Doc) => v.hostPath);

  test("mounts kubelet's plugin dir (AKS: /etc/kubernetes/volumeplugins) at TARGET_DIR", () => {
    expect(pluginVolume.hostPath).toEqual({ path: "/etc/kubernetes/volumeplugins", type: "Directory" });
    const mount = container.volumeMounts.find((m: Doc) => m.name === pluginVolume.name);
    expect(mount.mountPath).toBe(env.TARGET_DIR);
  });

  test("is Ready only once the installed driver is the image's and answers init (install.sh ready)", () => {
    expect(container.readinessProbe.exec.command).toEqual(["/opt/kv-flexvol/install.sh", "ready"]);
    // `ready` reads what the loop recorded in ${TMPDIR:-/tmp}, which the read-only image needs mounted.
    const scratch = container.volumeMounts.find((m: Doc) => m.mountPath === "/tmp");
    expect(pod.volumes.find((v: Doc) => v.name === scratch?.name)?.emptyDir).toBeDefined();
  });

  test("keeps off virtual nodes, which have no kubelet plugin dir", () => {
    const terms = pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    expect(terms).toEqual([{ matchExpressions: [{ key: "type", operator: "NotIn", values: ["virtual-kubelet"] }] }]);
  });

  test("runs on every Linux node, whatever its taints, before ordinary pods", () => {
    expect(pod.nodeSelector).toEqual({ "kubernetes.io/os": "linux" });
    expect(pod.tolerations).toContainEqual({ operator: "Exists" });
    expect(pod.priorityClassName).toBe("system-node-critical");
    expect(daemonSet.spec.updateStrategy.type).toBe("RollingUpdate");
  });

  test("selects its own pods and pins its image", () => {
    expect(daemonSet.spec.template.metadata.labels).toMatchObject(daemonSet.spec.selector.matchLabels);
    expect(container.image).toMatch(/:[0-9][^:/]*$/);
    expect(container.resources.requests).toBeDefined();
    expect(container.resources.limits).toBeDefined();
  });

  test("has root's uid and nothing else: no capabilities, no escalation, read-only image", () => {
    expect(container.securityContext).toMatchObject({
      runAsUser: 0,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(container.securityContext.privileged).toBeUndefined();
  });

  test("lives in namespace kv, which Pod Security Admission lets use hostPath", () => {
    expect(daemonSet.metadata.namespace).toBe("kv");
    expect(named("Namespace", "kv").metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("privileged");
  });

  test("gets exactly the PodSecurityPolicy made for it, where PSP still exists", () => {
    const psp = named("PodSecurityPolicy", "kv-flexvol-installer");
    expect(psp.spec.allowedHostPaths).toContainEqual({ pathPrefix: pluginVolume.hostPath.path });
    expect(psp.spec.volumes).toEqual(["hostPath", "emptyDir"]);
    expect(container.securityContext.seccompProfile).toEqual({ type: "RuntimeDefault" });
    expect(psp.metadata.annotations["seccomp.security.alpha.kubernetes.io/allowedProfileNames"]).toBe(
      "runtime/default",
    );
    const binding = named("RoleBinding", "psp:kv-flexvol-installer");
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: pod.serviceAccountName, namespace: "kv" }]);
    expect(named("ServiceAccount", pod.serviceAccountName).metadata.namespace).toBe("kv");
    expect(named("ClusterRole", binding.roleRef.name).rules[0].resourceNames).toEqual([psp.metadata.name]);
  });
});

describe("the installer's refresher container", () => {
  const daemonSet = named("DaemonSet", "kv-flexvol-installer");
  const pod = daemonSet.spec.template.spec;
  const [installer, refresher] = pod.containers;
  const mountAt = (path: string) => refresher.volumeMounts.find((m: Doc) => m.mountPath === path);
  const hostPathOf = (mount: Doc) => pod.volumes.find((v: Doc) => v.name === mount.name).hostPath;
  const listen = parseListenAddress(refresher.command[refresher.command.indexOf("--listen") + 1]);
  const port = "port" in listen ? listen.port : NaN;

  test("runs the image's driver executable (the Dockerfile's copy of it) as `kv refresh`", () => {
    expect(refresher.name).toBe("refresher");
    expect(refresher.image).toBe(installer.image);
    const dockerfile = readFileSync(resolve(__dirname, "..", "Dockerfile"), "utf8");
    const executable = /^COPY --from=build \S+\/dist\/azure~kv\/kv (\S+)$/m.exec(dockerfile)?.[1];
    expect(refresher.command.slice(0, 2)).toEqual([executable, "refresh"]);
  });

  test("its liveness probe, port and scrape annotations all name the port --listen serves", () => {
    expect(port).toBe(9808);
    expect(refresher.livenessProbe.httpGet).toEqual({ path: "/healthz", port });
    expect(refresher.ports).toEqual([{ name: "metrics", containerPort: port, hostPort: port, protocol: "TCP" }]);
    expect(daemonSet.spec.template.metadata.annotations).toEqual({
      "prometheus.io/scrape": "true",
      "prometheus.io/port": String(port),
      "prometheus.io/path": "/metrics",
    });
  });

  test("sees kubelet's pods dir at the same path, with the mounts made after it started", () => {
    const pods = mountAt("/var/lib/kubelet/pods");
    expect(pods).toMatchObject({ mountPropagation: "HostToContainer" });
    expect(pods.readOnly).toBeUndefined();
    expect(hostPathOf(pods)).toEqual({ path: "/var/lib/kubelet/pods", type: "Directory" });
  });

  /** Where a node path is in the container (the deepest mount over it), and whether it is read-only there. */
  function inContainer(nodePath: string): { path: string; readOnly: boolean } | undefined {
    const under = refresher.volumeMounts
      .map((mount: Doc) => ({ mount, from: hostPathOf(mount).path as string }))
      .filter(({ from }: { from: string }) => nodePath === from || nodePath.startsWith(`${from}/`))
      .sort((a: { from: string }, b: { from: string }) => b.from.length - a.from.length)[0];
    return (
      under && {
        path: under.mount.mountPath + nodePath.slice(under.from.length),
        readOnly: under.mount.readOnly === true,
      }
    );
  }

  test("reads the node's kubelet credentials (workload identity) at their own paths, read-only", () => {
    // The kubeconfigs the driver tries, and the files kubelet's kubeconfigs name: the rotated
    // client certificate (kubeadm, AKS) and AKS's cluster CA and older client certificate.
    const nodeFiles = [
      ...DEFAULT_KUBECONFIGS,
      "/var/lib/kubelet/pki/kubelet-client-current.pem",
      "/etc/kubernetes/certs/ca.crt",
      "/etc/kubernetes/certs/client.key",
    ];
    expect(nodeFiles.map(inContainer)).toEqual(nodeFiles.map((path) => ({ path, readOnly: true })));
  });

  test("mounts directories for them, which every node it runs on has, without holding on to pods' volumes", () => {
    for (const path of ["/var/lib/kubelet", "/etc/kubernetes"]) {
      expect(hostPathOf(mountAt(path))).toEqual({ path, type: "Directory" });
    }
    expect(mountAt("/var/lib/kubelet").mountPropagation).toBe("HostToContainer");
    // The writable pods dir on top of the read-only kubelet dir: the parent first.
    const order = refresher.volumeMounts.map((m: Doc) => m.mountPath);
    expect(order.indexOf("/var/lib/kubelet")).toBeLessThan(order.indexOf("/var/lib/kubelet/pods"));
    expect(inContainer("/var/lib/kubelet/pods/0f1e/volumes/azure~kv/secrets")).toEqual({
      path: "/var/lib/kubelet/pods/0f1e/volumes/azure~kv/secrets",
      readOnly: false,
    });
  });

  test("reads the records where the driver writes them: its default KV_STATE_DIR, on both sides", () => {
    expect(refresher.env).toBeUndefined(); // the default, as the driver on the node has it
    expect(hostPathOf(mountAt(DEFAULT_STATE_DIR))).toEqual({ path: DEFAULT_STATE_DIR, type: "DirectoryOrCreate" });
  });

  test("is on the node's network and DNS, as the driver is", () => {
    expect(pod.hostNetwork).toBe(true);
    expect(pod.dnsPolicy).toBe("Default");
  });

  test("is root with CHOWN alone: no privilege, no escalation, read-only image, sized resources", () => {
    expect(refresher.securityContext).toMatchObject({
      runAsUser: 0,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"], add: ["CHOWN"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(refresher.securityContext.privileged).toBeUndefined();
    expect(refresher.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    expect(refresher.resources.limits).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
  });

  test("is allowed all of it by its PodSecurityPolicy, where PSP still exists", () => {
    const psp = named("PodSecurityPolicy", "kv-flexvol-installer").spec;
    expect(psp.hostNetwork).toBe(true);
    expect(psp.hostPorts).toContainEqual({ min: port, max: port });
    expect(psp.allowedCapabilities).toEqual(refresher.securityContext.capabilities.add);
    for (const mount of refresher.volumeMounts) {
      expect(psp.allowedHostPaths).toContainEqual({
        pathPrefix: hostPathOf(mount).path,
        ...(mount.readOnly ? { readOnly: true } : {}),
      });
    }
  });
});

describe("the uninstaller (kv-flexvol-uninstall.yaml)", () => {
  const of = (file: string) => manifests.find((m) => m.file === file && m.doc.kind === "DaemonSet")!.doc;
  const installer = of("kv-flexvol-installer.yaml");
  const uninstaller = of("kv-flexvol-uninstall.yaml");
  const [container] = uninstaller.spec.template.spec.containers;
  const env = Object.fromEntries(container.env.map((e: Doc) => [e.name, e.value]));

  test("replaces the installer's pods: the same DaemonSet, selector and image, in uninstall mode", () => {
    expect([uninstaller.metadata, uninstaller.spec.selector]).toEqual([installer.metadata, installer.spec.selector]);
    expect(container.image).toBe(installer.spec.template.spec.containers[0].image);
    expect(container.args).toEqual(["uninstall"]);
    expect(container.readinessProbe.exec.command).toEqual(["/opt/kv-flexvol/install.sh", "uninstalled"]);
  });

  test("sees kubelet's pods dir, with the mounts made after it started, and the same plugin dir", () => {
    const spec = uninstaller.spec.template.spec;
    const mountOf = (path: string) => container.volumeMounts.find((m: Doc) => m.mountPath === path);
    const hostPathOf = (path: string) => spec.volumes.find((v: Doc) => v.name === mountOf(path).name).hostPath.path;
    expect(mountOf(env.PODS_DIR)).toMatchObject({ readOnly: true, mountPropagation: "HostToContainer" });
    expect(hostPathOf(env.PODS_DIR)).toBe("/var/lib/kubelet/pods");
    expect(hostPathOf(env.TARGET_DIR)).toBe(
      installer.spec.template.spec.volumes.find((v: Doc) => v.hostPath).hostPath.path,
    );
    expect(spec.affinity).toEqual(installer.spec.template.spec.affinity);
  });
});

describe("the example pods' flexVolume options pass the driver's validation", () => {
  interface ExamplePod {
    file: string;
    podName: string;
    namespace: string;
    spec: Doc;
  }
  const examplePods: ExamplePod[] = manifests.flatMap(({ file, doc }): ExamplePod[] => {
    const namespace = doc.metadata.namespace ?? "default";
    if (doc.kind === "Pod") return [{ file, podName: doc.metadata.name, namespace, spec: doc.spec }];
    // A Deployment's pods are named <deployment>-<replicaset hash>-<suffix>.
    if (doc.kind === "Deployment")
      return [{ file, podName: `${doc.metadata.name}-7c5d9f8b6d-x4k2q`, namespace, spec: doc.spec.template.spec }];
    return [];
  });
  const kvVolumes = examplePods.flatMap((pod) =>
    pod.spec.volumes
      .filter((v: Doc) => v.flexVolume?.driver === DRIVER)
      .map((volume: Doc) => [pod.file, pod, volume] as const),
  );

  /** The Secret's values as kubelet passes them: `kubernetes.io/secret/<key>`, base64. */
  function secretOptions(name: string, namespace: string): Record<string, string> {
    const secret = manifests.find(
      ({ doc }) =>
        doc.kind === "Secret" && doc.metadata.name === name && (doc.metadata.namespace ?? "default") === namespace,
    )?.doc;
    if (!secret) throw new Error(`secretRef ${namespace}/${name}: no such Secret in deployment/`);
    expect(secret.type).toBe(DRIVER); // kubelet refuses any other type for this driver
    const data: Record<string, string> = { ...secret.data };
    for (const [key, value] of Object.entries<string>(secret.stringData ?? {}))
      data[key] = Buffer.from(value).toString("base64");
    return Object.fromEntries(Object.entries(data).map(([key, value]) => [`kubernetes.io/secret/${key}`, value]));
  }

  /** What kubelet passes to `kv mount`: its own keys, the secretRef's, then the volume's options. */
  function kubeletOptions(pod: ExamplePod, volume: Doc): Record<string, string> {
    return {
      "kubernetes.io/fsType": "",
      "kubernetes.io/readwrite": volume.flexVolume.readOnly ? "ro" : "rw",
      "kubernetes.io/pvOrVolumeName": volume.name,
      "kubernetes.io/pod.name": pod.podName,
      "kubernetes.io/pod.namespace": pod.namespace,
      "kubernetes.io/pod.uid": randomUUID(),
      "kubernetes.io/serviceAccount.name": pod.spec.serviceAccountName ?? "default",
      ...(volume.flexVolume.secretRef ? secretOptions(volume.flexVolume.secretRef.name, pod.namespace) : {}),
      ...volume.flexVolume.options,
    };
  }

  const expectedIdentity: Record<string, string> = {
    "nginx-flex-kv.yaml": "servicePrincipal",
    "nginx-flex-kv-deployment.yaml": "servicePrincipal",
    "nginx-flex-kv-podidentity.yaml": "podIdentity",
    "nginx-flex-kv-managedidentity.yaml": "managedIdentity",
    "nginx-flex-kv-workloadidentity.yaml": "workloadIdentity",
  };

  test("every example file has an azure/kv volume", () => {
    expect([...new Set(kvVolumes.map(([file]) => file))].sort()).toEqual(Object.keys(expectedIdentity).sort());
  });

  test.each(kvVolumes)("%s", (file, pod, volume) => {
    const options = parseVolumeOptions(kubeletOptions(pod, volume));

    expect(options.identity.kind).toBe(expectedIdentity[file]);
    expect(options.objects.map((o) => `${o.type}/${o.name}`)).toEqual([
      "secret/db-password",
      "key/tls-key",
      "cert/tls-cert",
    ]);
    // Good practice for secrets; the files' modes no longer depend on it (init: fsGroup false).
    const mount = pod.spec.containers.flatMap((c: Doc) => c.volumeMounts).find((m: Doc) => m.name === volume.name);
    expect(mount.readOnly).toBe(true);
  });

  test(
    "the workload-identity example: its service account names the identity, and the pod carries the " +
      "webhook's label",
    () => {
      const deployment = named("Deployment", "nginx-flex-kv-workloadidentity");
      const annotations = named("ServiceAccount", deployment.spec.template.spec.serviceAccountName).metadata
        .annotations;
      expect(Object.keys(annotations).sort()).toEqual([
        "azure.workload.identity/client-id",
        "azure.workload.identity/tenant-id",
      ]);
      expect(deployment.spec.template.metadata.labels["azure.workload.identity/use"]).toBe("true");
    },
  );

  test("the pod-identity example carries the label an AzureIdentityBinding selects", () => {
    expect(named("Pod", "nginx-flex-kv-podid").metadata.labels.aadpodidbinding).toMatch(/^[a-z0-9-]+$/);
  });
});
