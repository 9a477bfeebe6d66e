// `kv check` through the bundled CLI: manifests with valid and broken azure/kv volumes, usage
// errors, and --fetch against the stand-in (ok, forbidden with its fix, not found, throttled,
// network, a bad token, pod identity). Exit status 0 all well, 1 problems, 2 usage.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { generateKeyPair } from "../../standin/fixtures";
import type { ServicePrincipal } from "../../standin/identities";
import { driverPath, runDriver, type DriverResult } from "../support/driver";
import { pattern } from "../support/pattern";
import { standInSuite } from "../support/suite";

const SECRET_VALUE = "db-password-value-never-printed-5b7a";
const dir = mkdtempSync(join(tmpdir(), "kv-check-"));
const suite = standInSuite();
/** May get secrets and certificates of contoso-kv, not keys. */
let checker: ServicePrincipal;

beforeAll(() => {
  const { vault, azure } = suite;
  vault.addSecret("db-password", SECRET_VALUE);
  vault.addSecret("api-token", SECRET_VALUE);
  vault.addSecret("flaky", SECRET_VALUE);
  vault.addKey("signing", generateKeyPair("EC-P-256").privateKey);
  checker = azure.addServicePrincipal();
  vault.grant(checker.clientId, "secret", "cert");
});
afterEach(() => suite.azure.clearFaults());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base64 = (text: string) => Buffer.from(text).toString("base64");

function write(name: string, documents: object[]): string {
  const path = join(dir, name);
  writeFileSync(path, documents.map((document) => stringify(document)).join("---\n"));
  return path;
}

function kvVolume(name: string, options: Record<string, unknown>, secretRef?: string): object {
  // readOnly, as the README's examples: nothing in the pod writes to its secrets.
  return {
    name,
    flexVolume: {
      driver: "azure/kv",
      readOnly: true,
      ...(secretRef ? { secretRef: { name: secretRef } } : {}),
      options,
    },
  };
}

const podSpec = (volumes: object[], fsGroup?: number) => ({
  ...(fsGroup === undefined ? {} : { securityContext: { fsGroup } }),
  containers: [{ name: "app", image: "app" }],
  volumes,
});
const template = (volumes: object[]) => ({ template: { spec: podSpec(volumes) } });

function workload(kind: string, name: string, volumes: object[], namespace = "shop"): object {
  const metadata = { name, namespace };
  if (kind === "Pod") return { apiVersion: "v1", kind, metadata, spec: podSpec(volumes, 2000) };
  if (kind === "CronJob")
    return {
      apiVersion: "batch/v1",
      kind,
      metadata,
      spec: { schedule: "@daily", jobTemplate: { spec: template(volumes) } },
    };
  return { apiVersion: kind === "Job" ? "batch/v1" : "apps/v1", kind, metadata, spec: template(volumes) };
}

function secretManifest(name: string, sp: { clientId: string; clientSecret: string }, type = "azure/kv"): object {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace: "shop" },
    type,
    data: { clientid: base64(sp.clientId), clientsecret: base64(sp.clientSecret) },
  };
}

const objects = (names: string, types: string, more: Record<string, string> = {}) => ({
  keyvaultname: "contoso-kv",
  keyvaultobjectnames: names,
  keyvaultobjecttypes: types,
  tenantid: suite.azure.tenantId,
  ...more,
});

function check(...args: string[]): Promise<DriverResult> {
  return runDriver(["check", ...args], { ...suite.azure.env, KV_DRIVER_LOG: join(dir, "kv-driver.log") });
}

/** The --json report, after checking the output holds no secret. */
function report(
  result: DriverResult,
  ...secrets: string[]
): { ok: boolean; problems: string[]; volumes: Record<string, any>[] } {
  for (const secret of [SECRET_VALUE, ...secrets]) expect(result.combined).not.toContain(secret);
  return JSON.parse(result.stdout);
}

describe("kv check without --fetch", () => {
  test("every workload kind, in several documents and a List: all valid, exit 0", async () => {
    const volume = (n: string) =>
      kvVolume("secrets", objects("db-password", "secret", { keyvaultobjectaliases: n }), "kv-creds");
    const kinds = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"];
    const manifest = write("all-kinds.yaml", [
      workload("Pod", "web-0", [volume("a"), { name: "scratch", emptyDir: {} }]),
      { apiVersion: "v1", kind: "List", items: kinds.map((kind) => workload(kind, kind.toLowerCase(), [volume("b")])) },
      { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { ports: [{ port: 80 }] } },
      secretManifest("kv-creds", checker),
    ]);
    const text = await check(manifest);
    expect(text.stderr).toBe("");
    expect(text.stdout).toContain('Pod shop/web-0, volume "secrets": valid');
    expect(text.stdout).toContain('CronJob shop/cronjob, volume "secrets": valid');
    expect(text.stdout).toContain(
      `service principal ${checker.clientId} (Secret "kv-creds"), files mode 0644, group 2000`,
    );
    expect(text.stdout).toContain("7 azure/kv volume(s): 7 valid, 0 invalid. All is well.");
    expect(text.code).toBe(0);

    const json = await check(manifest, "--json");
    const parsed = report(json, checker.clientSecret, base64(checker.clientSecret));
    expect(parsed.ok).toBe(true);
    expect(parsed.volumes.map((v) => v.workload.kind)).toEqual(["Pod", ...kinds]);
    expect(parsed.volumes[0]).toMatchObject({
      volume: "secrets",
      valid: true,
      vault: "contoso-kv",
      fileMode: "0644",
      fsGroup: 2000,
      notes: [],
    });
    expect(parsed.volumes[0].objects).toEqual([
      {
        object: "secret/db-password",
        type: "secret",
        name: "db-password",
        file: "a",
        format: "default",
        encoding: "utf-8",
      },
    ]);
    expect(json.code).toBe(0);
  });

  test("broken volumes: each one's problem, in the driver's words, and exit 1", async () => {
    const manifest = write("broken.yaml", [
      workload("Deployment", "pfx-cert", [
        kvVolume("tls", objects("web-tls", "cert", { keyvaultobjectformats: "pfx", usevmmanagedidentity: "true" })),
      ]),
      workload("Pod", "no-tenant", [
        kvVolume("secrets", {
          ...objects("db-password", "secret", { usevmmanagedidentity: "true" }),
          tenantid: undefined,
        }),
      ]),
      workload("Pod", "unquoted", [
        kvVolume("secrets", objects("db-password", "secret", { usepodidentity: true as unknown as string })),
      ]),
      workload("Pod", "mode", [
        kvVolume("secrets", objects("db-password", "secret", { usevmmanagedidentity: "true", filepermission: "4755" })),
      ]),
      workload("Pod", "opaque", [kvVolume("secrets", objects("db-password", "secret"), "opaque-creds")]),
      workload("Pod", "good", [
        kvVolume("secrets", objects("db-password", "secret", { usevmmanagedidentity: "true" })),
      ]),
      secretManifest("opaque-creds", checker, "Opaque"),
    ]);
    const result = await check(manifest);
    const lines = result.stdout;
    expect(lines).toContain(
      'Deployment shop/pfx-cert, volume "tls": INVALID\n  option keyvaultobjectformats: entry 1 ("pfx") does ' +
        'not fit cert "web-tls"; formats by type: secret: pem or pfx',
    );
    expect(lines).toContain('Pod shop/no-tenant, volume "secrets": INVALID\n  option tenantid: is required');
    expect(lines).toContain(
      "option usepodidentity: `true` is a boolean as kubectl reads YAML (go-yaml v2), and the API server takes " +
        'only strings in flexVolume options; quote it: usepodidentity: "true"',
    );
    expect(lines).toContain('option filepermission: "4755" sets setuid, setgid or sticky bits');
    expect(lines).toContain(
      'Secret "opaque-creds" has type "Opaque", but kubelet passes a flexVolume\'s secretRef only from a Secret ' +
        'of type "azure/kv"',
    );
    expect(lines).toContain('Pod shop/good, volume "secrets": valid');
    expect(lines).toContain("6 azure/kv volume(s): 1 valid, 5 invalid. Problems found.");
    expect(result.combined).not.toContain(checker.clientSecret);
    expect(result.code).toBe(1);
  });

  test("the original driver's pod identity example with three mistakes: all three in one run, exit 1", async () => {
    // As the Go driver's nginx-flex-kv-podidentity.yaml, filled in: a tenant with braces, an
    // object type it never knew, a flag value that is no boolean (quoted, so only the driver minds).
    const path = join(dir, "podidentity.yaml");
    writeFileSync(
      path,
      [
        "apiVersion: v1",
        "kind: Pod",
        "metadata:",
        "  labels:",
        "    app: nginx-flex-kv-podid",
        "    aadpodidbinding: kv-reader",
        "  name: nginx-flex-kv-podid",
        "spec:",
        "  containers:",
        "  - name: nginx-flex-kv-podid",
        "    image: nginx",
        "    volumeMounts:",
        "    - name: test",
        "      mountPath: /kvmnt",
        "      readOnly: true",
        "  volumes:",
        "  - name: test",
        "    flexVolume:",
        '      driver: "azure/kv"',
        "      options:",
        '        usepodidentity: "yes"              # [OPTIONAL] if not provided, will default to "false"',
        '        keyvaultname: "orders-kv"          # the name of the KeyVault',
        '        keyvaultobjectnames: "db-password;tls" # list of KeyVault object names (semi-colon separated)',
        "        keyvaultobjecttypes: secret;certificate # list of KeyVault object types: secret, key or cert",
        '        resourcegroup: "orders"            # [REQUIRED for version < 0.0.4] its resource group',
        '        subscriptionid: "1e4f7c2a-0000-4000-8000-3b5d6e7f8a9b" # [REQUIRED for version < 0.0.4]',
        '        tenantid: "{72f988bf-86f1-41af-91ab-2d7cd011db47}" # the tenant ID of the KeyVault',
        "",
      ].join("\n"),
    );
    const result = await check(path);
    expect(result.stdout).toMatch(
      pattern(
        'Pod nginx-flex-kv-podid, volume "test": INVALID\n',
        '  option keyvaultobjecttypes: entry 2 ("certificate") is not an object type; use secret, key, cert ',
        "(any letter case)\n",
        '  option tenantid: "{72f988bf-86f1-41af-91ab-2d7cd011db47}" must be the tenant\'s GUID or domain name ',
        "(letters, digits, '.', '-'); copy the directory (tenant) id from the Azure portal\n",
        '  option usepodidentity: is "yes"; use "true" or "false"\n',
      ),
    );
    expect(result.stdout).toContain("1 azure/kv volume(s): 0 valid, 1 invalid. Problems found.");
    expect(result.code).toBe(1);

    const json = await check(path, "--json");
    const [volume] = report(json).volumes;
    expect(volume.problems.map((problem: string) => problem.split(":")[0])).toEqual([
      "option keyvaultobjecttypes",
      "option tenantid",
      "option usepodidentity",
    ]);
    expect(json.code).toBe(1);
  });

  test("options the driver would ignore: a warning each, with the option meant; still valid", async () => {
    const options = objects("db-password", "secret", {
      filemode: "0440", // Kubernetes' and the CSI driver's word for it
      keyvaultobjectalias: "db", // a typo
      colour: "blue",
      resourcegroup: "rg", // v0.0.17's examples carry it: accepted and ignored, no warning
    });
    const manifest = write("unknown-options.yaml", [
      workload("Pod", "web", [kvVolume("secrets", options, "kv-creds")]),
      secretManifest("kv-creds", checker),
    ]);
    const result = await check(manifest);
    expect(result.stdout).toContain('Pod shop/web, volume "secrets": valid');
    expect(result.stdout).toContain(
      [
        "  warning: option filemode: not an option of azure/kv, so the driver ignores it; did you mean filepermission?",
        "  warning: option keyvaultobjectalias: not an option of azure/kv, so the driver ignores it; did you mean " +
          "keyvaultobjectaliases?",
        "  warning: option colour: not an option of azure/kv, so the driver ignores it; see the README's option table",
      ].join("\n"),
    );
    expect(result.stdout).not.toContain("resourcegroup");
    expect(result.code).toBe(0);
  });

  test("the original driver's Traefik example is read as kubectl reads it", async () => {
    const result = await check(join(__dirname, "../fixtures/traefik-deployment.yaml"));
    expect(result.stdout).not.toContain("manifest problem");
    expect(result.stdout).toContain('Deployment release-name-traefik, volume "certs"');
    expect(result.stdout).toContain('warning: option tenantid: "TENANT-ID" looks like an example\'s placeholder');
  });

  test("YAML 1.1 values kubectl would send as no string: every one, per volume, with the fix, exit 1", async () => {
    const path = join(dir, "yaml11.yaml");
    const pod = (name: string, options: string) =>
      `apiVersion: v1\nkind: Pod\nmetadata: { name: ${name} }\nspec:\n  volumes:\n  - name: secrets\n    ` +
      `flexVolume:\n      driver: azure/kv\n      options:\n${options}`;
    writeFileSync(
      path,
      pod(
        "web",
        "        keyvaultname: contoso-kv\n        keyvaultobjectnames: db\n        keyvaultobjectaliases: " +
          "on\n        filemode: 0755\n        usepodidentity: yes\n",
      ) +
        "---\n" +
        pod("api", "        keyvaultname: ~\n"),
    );
    const result = await check(path);
    expect(result.stdout).toContain(
      'Pod web, volume "secrets": INVALID\n' +
        "  option keyvaultobjectaliases: `on` is a boolean as kubectl reads YAML (go-yaml v2), and the API " +
        'server takes only strings in flexVolume options; quote it: keyvaultobjectaliases: "on"\n' +
        "  option filemode: `0755` is a number as kubectl reads YAML",
    );
    expect(result.stdout).toContain(
      "usepodidentity: `yes` is a boolean as kubectl reads YAML (go-yaml v2), and the API server takes only " +
        'strings in flexVolume options; quote it: usepodidentity: "yes"',
    );
    expect(result.stdout).toContain("  option keyvaultobjecttypes: is required");
    expect(result.stdout).toContain('  warning: option keyvaultname: "contoso-kv" looks like');
    expect(result.stdout).toContain('Pod api, volume "secrets": INVALID\n  option keyvaultname: `~` is a null');
    expect(result.stdout).toContain("2 azure/kv volume(s): 0 valid, 2 invalid. Problems found.");
    expect(result.code).toBe(1);
  });

  test("a YAML error is reported by file line without quoting the document, and fails the check", async () => {
    const path = join(dir, "bad.yaml");
    const volume = kvVolume("s", objects("db-password", "secret", { usevmmanagedidentity: "true" }));
    const before = `${stringify(workload("Pod", "web", [volume]))}---\n`;
    writeFileSync(path, `${before}kind: Secret\ndata:\n  clientsecret: ${SECRET_VALUE}: oops\n`);
    const result = await check(path, "--json");
    const parsed = report(result);
    const line = before.split("\n").length + 2;
    expect(parsed.problems).toEqual([
      expect.stringMatching(
        new RegExp(`^${path}, document 2: is not valid YAML at line ${line}, column \\d+ \\(.+\\)$`),
      ),
    ]);
    expect(parsed.volumes).toHaveLength(1);
    expect(result.code).toBe(1);
  });

  test("a manifest from standard input without azure/kv volumes is not a pass", () => {
    const driver = driverPath();
    const [file, args] = driver.endsWith(".js") ? [process.execPath, [driver]] : [driver, []];
    const result = spawnSync(file, [...args, "check", "-"], {
      input: stringify(workload("Pod", "web", [{ name: "x", emptyDir: {} }])),
      encoding: "utf8",
      env: { PATH: process.env.PATH, KV_DRIVER_LOG: join(dir, "kv-driver.log") },
    });
    expect(result.stdout).toContain("no flexVolume with driver azure/kv in standard input");
    expect(result.status).toBe(1);
  });

  test.each<[string, string[], string]>([
    ["no manifest", [], "missing required argument 'manifest'"],
    ["an unreadable manifest", ["/nonexistent/deploy.yaml"], "cannot read /nonexistent/deploy.yaml: ENOENT"],
    ["an unknown flag", ["x.yaml", "--fetchh"], "unknown option '--fetchh'"],
    [
      "--client-id without --client-secret",
      ["x.yaml", "--fetch", "--client-id", "00000000-0000-0000-0000-000000000001"],
      "--client-id and --client-secret go together",
    ],
    [
      "credentials without --fetch",
      ["x.yaml", "--use-managed-identity"],
      "credentials are only used to fetch: add --fetch",
    ],
    [
      "two sources of credentials",
      ["x.yaml", "--fetch", "--use-managed-identity", "--secret-file", "s.yaml"],
      "give one source of credentials",
    ],
    [
      "a client id that is no GUID",
      ["x.yaml", "--fetch", "--client-id", "a b", "--client-secret", "s"],
      "--client-id must be a client id",
    ],
    [
      "a managed identity client id without the flag",
      ["x.yaml", "--fetch", "--managed-identity-client-id", "abc"],
      "needs --use-managed-identity",
    ],
  ])("usage error: %s (exit 2, message on stderr)", async (_title, args, message) => {
    const result = await check(...args);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe("");
    expect(result.code).toBe(2);
  });

  test("--help prints the usage on stdout and exits 0", async () => {
    const result = await check("--help");
    expect(result.stdout).toMatch(/^Usage: kv check \[options\] <manifest>/);
    expect(result.stdout).toContain("Exit status: 0 all is well, 1 problems found, 2 usage error.");
    expect(result.code).toBe(0);
  });
});

describe("kv check --fetch", () => {
  const manifest = () =>
    write("fetch.yaml", [
      workload("Deployment", "web", [
        kvVolume(
          "secrets",
          objects("db-password;signing;missing;api-token;flaky", "secret;key;secret;secret;secret"),
          "kv-creds",
        ),
      ]),
    ]);

  test("reports each object: ok, forbidden with the fix, not found, throttled, network; exit 1", async () => {
    // The node's driver log is kubelet's calls only: an operator's check writes nothing there,
    // not even the failed objects a mount logs.
    rmSync(join(dir, "kv-driver.log"), { force: true });
    suite.azure.injectFault({ throttle: 1000, retryAfterSeconds: 0 }, { vault: "contoso-kv", name: "api-token" });
    suite.azure.injectFault({ resets: 1000 }, { vault: "contoso-kv", name: "flaky" });
    const secretFile = write("kv-creds.yaml", [secretManifest("kv-creds", checker)]);
    const result = await check(manifest(), "--fetch", "--secret-file", secretFile, "--json");
    const parsed = report(result, checker.clientSecret);
    const statuses = parsed.volumes[0].objects.map((o: Record<string, unknown>) => [o.object, o.status]);
    expect(statuses).toEqual([
      ["secret/db-password", "ok"],
      ["key/signing", "forbidden"],
      ["secret/missing", "not found"],
      ["secret/api-token", "throttled"],
      ["secret/flaky", "network"],
    ]);
    expect(parsed.volumes[0].objects[0].bytes).toBe(Buffer.byteLength(SECRET_VALUE));
    expect(parsed.volumes[0].objects[1].detail).toContain(
      `az keyvault set-policy --name contoso-kv --key-permissions get --spn ${checker.clientId}`,
    );
    expect(parsed.volumes[0].fetch).toEqual({ status: "fetched", principal: `service principal ${checker.clientId}` });
    expect(parsed.ok).toBe(false);
    expect(result.code).toBe(1);
    expect(existsSync(join(dir, "kv-driver.log"))).toBe(false);
  });

  // Long answers, so every request that may be in flight at once is, however slow the machine.
  test("fetches a volume's objects at once, as a mount does, and reports them in the manifest's order", async () => {
    suite.azure.injectFault({ latencyMs: 1000 }, { service: "keyvault" });
    suite.azure.resetStats();
    const path = write("at-once.yaml", [
      workload("Pod", "web", [
        kvVolume("secrets", objects("db-password;api-token;flaky", "secret;secret;secret"), "kv-creds"),
      ]),
    ]);
    const parsed = report(
      await check(path, "--fetch", "--client-id", checker.clientId, "--client-secret", checker.clientSecret, "--json"),
      checker.clientSecret,
    );
    expect(parsed.volumes[0].objects.map((o: Record<string, unknown>) => [o.object, o.status])).toEqual([
      ["secret/db-password", "ok"],
      ["secret/api-token", "ok"],
      ["secret/flaky", "ok"],
    ]);
    expect(suite.azure.stats("keyvault").peakInFlight).toBe(3);
  });

  test("fetches four volumes at a time, and reports them in the manifest's order", async () => {
    suite.azure.injectFault({ latencyMs: 1000 }, { service: "keyvault" });
    suite.azure.resetStats();
    const names = ["db-password", "api-token", "flaky", "db-password", "api-token", "flaky"];
    const path = write("many-volumes.yaml", [
      workload(
        "Pod",
        "web",
        names.map((name, i) => kvVolume(`v${i}`, objects(name, "secret"), "kv-creds")),
      ),
    ]);
    const parsed = report(
      await check(path, "--fetch", "--client-id", checker.clientId, "--client-secret", checker.clientSecret, "--json"),
      checker.clientSecret,
    );
    expect(parsed.volumes.map((v) => [v.volume, v.objects[0].object, v.objects[0].status])).toEqual(
      names.map((name, i) => [`v${i}`, `secret/${name}`, "ok"]),
    );
    expect(suite.azure.stats("keyvault").peakInFlight).toBe(4);
  });

  test("as the service principal on the command line, everything readable: exit 0, the text report", async () => {
    const result = await check(
      write("ok.yaml", [
        workload("Pod", "web", [kvVolume("secrets", objects("db-password;api-token", "secret;secret"), "kv-creds")]),
      ]),
      "--fetch",
      "--client-id",
      checker.clientId,
      "--client-secret",
      checker.clientSecret,
    );
    expect(result.stdout).toContain(`fetched as service principal ${checker.clientId}:`);
    expect(result.stdout).toMatch(/secret\/db-password +-> db-password +ok \(\d+ bytes\)/);
    expect(result.stdout).toContain("2 of 2 object(s) fetched. All is well.");
    expect(result.combined).not.toContain(SECRET_VALUE);
    expect(result.code).toBe(0);
  });

  test("as the machine's managed identity (IMDS)", async () => {
    const identity = suite.azure.addManagedIdentity({ systemAssigned: true });
    suite.vault.grant(identity.clientId, "secret");
    const result = await check(manifest(), "--fetch", "--use-managed-identity", "--json");
    const statuses = report(result).volumes[0].objects.map((o: Record<string, unknown>) => o.status);
    expect(statuses.slice(0, 3)).toEqual(["ok", "forbidden", "not found"]);
  });

  test("a wrong client secret is one token failure for the volume", async () => {
    const wrong = { clientId: checker.clientId, clientSecret: "not-the-right-secret-1234" };
    const result = await check(
      manifest(),
      "--fetch",
      "--secret-file",
      write("wrong.yaml", [secretManifest("kv-creds", wrong)]),
    );
    expect(result.stdout).toMatch(/fetch FAILED: cannot get an access token as service principal .*AADSTS7000215/);
    expect(result.combined).not.toContain(wrong.clientSecret);
    expect(result.code).toBe(1);
  });

  test("pod identity and a Secret that is not at hand are skipped, saying why, and fail the check", async () => {
    const path = write("skipped.yaml", [
      workload("Pod", "nmi", [kvVolume("secrets", objects("db-password", "secret", { usepodidentity: "true" }))]),
      workload("Pod", "sp", [kvVolume("secrets", objects("db-password", "secret"), "elsewhere")]),
    ]);
    const result = await check(path, "--fetch");
    expect(result.stdout).toContain(
      "not fetched: pod identity tokens come from NMI, which answers only pods inside the cluster",
    );
    expect(result.stdout).toContain(
      'not fetched: the secretRef Secret "elsewhere" is not in the manifest; pass it with --secret-file',
    );
    expect(result.stdout).toContain("nothing fetched: 2 volume(s) not fetched, each saying why above. Problems found.");
    expect(result.stdout).not.toContain("0 of 0");
    expect(suite.azure.stats("nmi").requests).toBe(0);
    expect(result.code).toBe(1);
  });

  test("content that cannot become the file asked for is reported as invalid content", async () => {
    const path = write("content.yaml", [
      workload("Pod", "web", [
        kvVolume("tls", objects("db-password", "secret", { keyvaultobjectformats: "pem" }), "kv-creds"),
      ]),
      secretManifest("kv-creds", checker),
    ]);
    const result = await check(path, "--fetch", "--json");
    expect(report(result, checker.clientSecret).volumes[0].objects[0]).toMatchObject({
      status: "invalid content",
      detail: expect.stringContaining("content type is not set"),
    });
    expect(result.code).toBe(1);
  });
});
