// kv check's pure parts: which volumes a manifest has, what kubelet would pass for them, whose
// token --fetch would use, when all is well, and that no report shows a secret.
import { stringify } from "yaml";
import { reportIsOk, type CheckReport, type VolumeCheck } from "../../src/check/checkResult";
import { fetchIdentity } from "../../src/check/fetchIdentity";
import { renderJson, renderText } from "../../src/check/report";
import { validateManifest } from "../../src/check/validate";

const CLIENT_ID = "11111111-2222-3333-4444-555555555555";
const CLIENT_SECRET = "Zx8Q~client-secret-never-shown";
const base64 = (text: string) => Buffer.from(text).toString("base64");

const OPTIONS = {
  keyvaultname: "contoso-kv",
  keyvaultobjectnames: "db-password",
  keyvaultobjecttypes: "secret",
  tenantid: "72f988bf-86f1-41af-91ab-2d7cd011db47",
};
const pod = (name: string, flexVolume: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "shop" },
  spec: { ...extra, containers: [], volumes: [{ name: "secrets", flexVolume: { driver: "azure/kv", ...flexVolume } }] },
});
const secret = (name: string, fields: Record<string, unknown>, namespace = "shop") => ({
  apiVersion: "v1",
  kind: "Secret",
  type: "azure/kv",
  metadata: { name, namespace },
  ...fields,
});
const yaml = (...documents: object[]) => documents.map((d) => stringify(d)).join("---\n");
const validate = (documents: object[], secretFile?: object[]) =>
  validateManifest(
    { source: "m.yaml", text: yaml(...documents) },
    secretFile && { source: "s.yaml", text: yaml(...secretFile) },
  );
const spSecret = (name: string, clientId = CLIENT_ID) =>
  secret(name, { data: { clientid: base64(clientId), clientsecret: base64(CLIENT_SECRET) } });

describe("validateManifest", () => {
  test("passes kubelet's keys: the pod's name, namespace and fsGroup, and the Secret's values", () => {
    const [check] = validate([
      pod("web-0", { secretRef: { name: "creds" }, options: OPTIONS }, { securityContext: { fsGroup: 2000 } }),
      spSecret("creds"),
    ]).volumes;
    expect(check.problems).toEqual([]);
    expect(check.options).toMatchObject({
      fsGroup: 2000,
      fileMode: 0o644,
      identity: { kind: "servicePrincipal", clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
    });
    expect(check.secretRef).toMatchObject({ kind: "secret", secret: { name: "creds" } });
  });

  test("reads stringData, and prefers --secret-file's Secret to the manifest's", () => {
    const plain = secret("creds", {
      stringData: { clientid: "22222222-0000-0000-0000-000000000000", clientsecret: "x" },
    });
    expect(
      validate([pod("p", { secretRef: { name: "creds" }, options: OPTIONS }), plain]).volumes[0].options?.identity,
    ).toMatchObject({ clientId: "22222222-0000-0000-0000-000000000000" });
    expect(
      validate([pod("p", { secretRef: { name: "creds" }, options: OPTIONS }), plain], [spSecret("creds")]).volumes[0]
        .options?.identity,
    ).toMatchObject({ clientId: CLIENT_ID });
  });

  test(
    "uses placeholders for a Secret that is not at hand (another name, another namespace), still checking " +
      "the rest",
    () => {
      const checks = validate([
        pod("a", { secretRef: { name: "creds" }, options: OPTIONS }),
        pod("b", { secretRef: { name: "creds" }, options: { ...OPTIONS, keyvaultobjectformats: "pfx" } }),
        secret("creds", { data: { clientid: base64(CLIENT_ID) } }, "elsewhere"),
      ]).volumes;
      expect(checks[0]).toMatchObject({
        secretRef: { kind: "placeholder", name: "creds" },
        options: { vaultName: "contoso-kv" },
      });
      expect(checks[1].problems).toEqual([]);
      expect(checks[1].options?.objects[0].format).toBe("pfx");
    },
  );

  test.each<[string, object[], string]>([
    [
      "a Secret of the wrong type",
      [pod("p", { secretRef: { name: "creds" }, options: OPTIONS }), { ...spSecret("creds"), type: "Opaque" }],
      'has type "Opaque"',
    ],
    [
      "a Secret whose data is not base64",
      [
        pod("p", { secretRef: { name: "creds" }, options: OPTIONS }),
        secret("creds", { data: { clientsecret: CLIENT_SECRET } }),
      ],
      "data.clientsecret is not base64",
    ],
    [
      "options that are no mapping",
      [pod("p", { options: "keyvaultname=contoso-kv" })],
      "option <json-options>: must be a JSON object of string values, got a string",
    ],
    ["no options at all", [pod("p", {})], "option keyvaultname: is required"],
    [
      "a service principal without secretRef",
      [pod("p", { options: OPTIONS })],
      "option kubernetes.io/secret/clientid: is missing",
    ],
  ])("refuses %s", (_title, documents, problem) => {
    const [check] = validate(documents).volumes;
    expect(check.problems.join("\n")).toContain(problem);
    expect(check.problems.join("\n")).not.toContain(CLIENT_SECRET);
  });

  test(
    "finds volumes in every workload kind, only those of driver azure/kv, and names generated pods by " +
      "their prefix",
    () => {
      const template = {
        template: {
          spec: {
            volumes: [
              { name: "v", flexVolume: { driver: "azure/kv", options: OPTIONS } },
              { name: "w", flexVolume: { driver: "other/driver" } },
            ],
          },
        },
      };
      const kinds = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"].map(
        (kind) => ({ kind, metadata: { name: kind.toLowerCase() }, spec: template }),
      );
      const cronJob = { kind: "CronJob", metadata: { name: "nightly" }, spec: { jobTemplate: { spec: template } } };
      const generated = { kind: "Pod", metadata: { generateName: "runner-" }, spec: template.template.spec };
      const { volumes } = validate([
        ...kinds,
        cronJob,
        generated,
        { kind: "ConfigMap", metadata: { name: "x" }, data: { volumes: "[]" } },
      ]);
      expect(volumes.map((v) => `${v.volume.workload.kind}/${v.volume.workload.name}/${v.volume.volumeName}`)).toEqual([
        ...kinds.map((k) => `${k.kind}/${k.metadata.name}/v`),
        "CronJob/nightly/v",
        "Pod/runner-/v",
      ]);
    },
  );

  test("reports a document that is no object, and a --secret-file without a Secret", () => {
    const report = validateManifest(
      { source: "m.yaml", text: "- a\n- b\n" },
      { source: "s.yaml", text: yaml(pod("p", { options: OPTIONS })) },
    );
    expect(report.problems).toEqual([
      "m.yaml, document 1: is not a Kubernetes object (a mapping with kind and metadata)",
      "s.yaml: holds no Secret (kind: Secret, type: azure/kv)",
    ]);
  });
});

describe("fetchIdentity", () => {
  const [withSecret, placeholder, podIdentity, managed] = validate([
    pod("a", { secretRef: { name: "creds" }, options: OPTIONS }),
    pod("b", { secretRef: { name: "missing" }, options: OPTIONS }),
    pod("c", { options: { ...OPTIONS, usepodidentity: "true" } }),
    pod("d", { options: { ...OPTIONS, usevmmanagedidentity: "true" } }),
    spSecret("creds"),
  ]).volumes;
  const identityOf = (check: VolumeCheck, credentials?: Parameters<typeof fetchIdentity>[2]) =>
    fetchIdentity(check.options!, check.secretRef, credentials);

  test("is the volume's own identity when it can be had from outside the cluster", () => {
    expect(identityOf(withSecret)).toEqual({
      kind: "servicePrincipal",
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
    });
    expect(identityOf(managed)).toEqual({ kind: "managedIdentity" });
  });

  test("skips pod identity and placeholders, saying what to pass", () => {
    expect(identityOf(podIdentity)).toEqual({
      skip: expect.stringContaining("NMI, which answers only pods inside the cluster"),
    });
    expect(identityOf(placeholder)).toEqual({
      skip: expect.stringContaining('Secret "missing" is not in the manifest; pass it with --secret-file'),
    });
  });

  test("is the command line's credentials for every volume when given", () => {
    const credentials = { kind: "managedIdentity" as const, clientId: CLIENT_ID };
    for (const check of [withSecret, placeholder, podIdentity, managed])
      expect(identityOf(check, credentials)).toBe(credentials);
  });
});

describe("reports", () => {
  const valid = validate([pod("a", { secretRef: { name: "creds" }, options: OPTIONS }), spSecret("creds")]);
  const spec = valid.volumes[0].options!.objects[0];
  const fetched = (ok: boolean): CheckReport => ({
    ...valid,
    fetched: true,
    volumes: [
      {
        ...valid.volumes[0],
        fetch: {
          status: "fetched",
          principal: "sp",
          objects: [
            ok
              ? { spec, ok, bytes: 3 }
              : { spec, ok, failure: { object: "secret/db-password", cause: "forbidden", detail: "grant it" } },
          ],
        },
      },
    ],
  });

  test("are ok only when something was checked and everything checked is fine", () => {
    expect(reportIsOk(valid)).toBe(true);
    expect(reportIsOk({ ...valid, volumes: [] })).toBe(false);
    expect(reportIsOk({ ...valid, problems: ["m.yaml, document 2: bad"] })).toBe(false);
    expect(reportIsOk(fetched(true))).toBe(true);
    expect(reportIsOk(fetched(false))).toBe(false);
    expect(reportIsOk({ ...valid, fetched: true })).toBe(false); // asked to fetch, nothing fetched
    expect(
      reportIsOk({
        ...valid,
        fetched: true,
        volumes: [{ ...valid.volumes[0], fetch: { status: "skipped", reason: "pod identity" } }],
      }),
    ).toBe(false);
  });

  test(
    "an fsGroup needs no readOnly: writable or not, the files get the driver's mode and the pod's group, " +
      "and no note",
    () => {
      // init answers fsGroup: false, so kubelet leaves a writable volume's ownership alone.
      for (const readOnly of [false, true]) {
        const report = validate([
          pod(
            "a",
            { readOnly, secretRef: { name: "creds" }, options: { ...OPTIONS, filepermission: "0400" } },
            { securityContext: { fsGroup: 2000 } },
          ),
          spSecret("creds"),
        ]);
        expect(renderText(report)).toContain("files mode 0440, group 2000");
        expect(renderText(report)).not.toContain("note:");
        expect(JSON.parse(renderJson(report)).volumes[0].notes).toEqual([]);
      }
    },
  );

  test("never show the client secret, in text or JSON", () => {
    for (const report of [valid, fetched(true), fetched(false)]) {
      for (const rendered of [renderText(report), renderJson(report)]) {
        expect(rendered).toContain(CLIENT_ID);
        expect(rendered).not.toContain(CLIENT_SECRET);
        expect(rendered).not.toContain(base64(CLIENT_SECRET));
      }
    }
  });
});
