// kv check reads YAML as kubectl does: YAML 1.1 types in flexVolume options are refused with
// their fix, the original's Traefik example (under-indented flow continuations) is read, every
// problem of a volume is reported at once, and example placeholders are warned about.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { indentFlowContinuations } from "../../src/check/flowIndent";
import { goYamlKind } from "../../src/check/goYamlScalars";
import { parseManifest } from "../../src/check/manifest";
import { validateManifest } from "../../src/check/validate";

const POD_HEAD = [
  "apiVersion: v1",
  "kind: Pod",
  "metadata: { name: web, namespace: shop }",
  "spec:",
  "  containers: []",
  "  volumes:",
  "  - name: secrets",
  "    flexVolume:",
  "      driver: azure/kv",
  "      options:",
];
const podWith = (options: string) =>
  [...POD_HEAD, ...options.split("\n").map((line) => `        ${line}`)].join("\n") + "\n";
const check = (text: string) => validateManifest({ source: "m.yaml", text });
const VALID =
  'keyvaultname: "shop-kv"\nkeyvaultobjectnames: "db"\nkeyvaultobjecttypes: "secret"\nusepodidentity: ' +
  '"true"\ntenantid: "72f988bf-86f1-41af-91ab-2d7cd011db47"';

describe("YAML 1.1 values in flexVolume options", () => {
  test.each([
    ["keyvaultobjectaliases: on", "keyvaultobjectaliases: `on` is a boolean", 'quote it: keyvaultobjectaliases: "on"'],
    ["keyvaultobjectaliases: y", "`y` is a boolean", 'keyvaultobjectaliases: "y"'],
    ["filemode: 0755", "filemode: `0755` is a number", 'quote it: filemode: "0755"'],
    ["keyvaultobjectaliases: 1.0", "`1.0` is a number", '"1.0"'],
    ["keyvaultobjectaliases: ~", "`~` is a null", '"~"'],
    ["keyvaultobjectaliases:", "an empty value is a null", 'it is empty: write keyvaultobjectaliases: ""'],
  ])("%s is refused with its fix", (line, what, fix) => {
    const [volume] = check(podWith(`${VALID}\n${line}`)).volumes;
    expect(volume.problems).toEqual([expect.stringContaining(what)]);
    expect(volume.problems[0]).toContain(fix);
    expect(volume.problems[0]).toContain("API server takes only strings");
  });

  test.each([
    ["filepermission: 0o440", "filepermission: `0o440` is a number", 'quote it: filepermission: "0o440"'],
    ["keyvaultobjectaliases: 0x1F", "`0x1F` is a number", '"0x1F"'],
  ])("%s (an integer to Go's strconv.ParseInt) is refused with its fix", (line, what, fix) => {
    const [volume] = check(podWith(`${VALID}\n${line}`)).volumes;
    expect(volume.problems).toEqual([expect.stringContaining(what)]);
    expect(volume.problems[0]).toContain(fix);
  });

  test.each(["1:30", "2024-01-01"])("%s is a string to kubectl, as written: valid", (alias) => {
    const [volume] = check(podWith(`${VALID}\nkeyvaultobjectaliases: ${alias}`)).volumes;
    expect(volume.problems).toEqual([]);
    expect(volume.options?.objects[0].fileName).toBe(alias);
  });

  test("quoted, the same values are strings and the volume is valid", () => {
    const [volume] = check(podWith(`${VALID}\nkeyvaultobjectaliases: "on"`)).volumes;
    expect(volume.problems).toEqual([]);
    expect(volume.options?.objects[0].fileName).toBe("on");
  });

  test("every problem of every volume in one run, per volume", () => {
    const text = podWith(
      'usepodidentity: yes\nkeyvaultobjectnames: "db"\nkeyvaultobjecttypes: "secret"\ntenantid: "t"\nfilemode: 0640',
    );
    const all = check(text + "---\n" + podWith("keyvaultname: 10").replace("name: web", "name: api")).volumes;
    expect(all.map((v) => v.volume.workload.name)).toEqual(["web", "api"]);
    const [volume] = all;
    expect(volume.problems).toEqual([
      expect.stringContaining("option usepodidentity: `yes` is a boolean"),
      expect.stringContaining("option filemode: `0640` is a number"),
      expect.stringContaining("option keyvaultname: is required"),
      // Quoted, "yes" is still no flag value: the driver says so in the same run.
      'option usepodidentity: is "yes"; use "true" or "false"',
    ]);
    expect(all[1].problems[0]).toContain("option keyvaultname: `10` is a number");
  });
});

describe("placeholders of examples", () => {
  test.each([
    ['tenantid: "00000000-0000-0000-0000-000000000000"', "tenantid: the all-zero GUID"],
    ['keyvaultname: "contoso-kv"', 'keyvaultname: "contoso-kv" looks like'],
    ['keyvaultname: "replace-with-your-vault"', "replace-with-your-vault"],
    ['keyvaultobjectaliases: "<file-name>"', "<file-name>"],
    ['keyvaultname: "your-vault"', "your-vault"],
  ])("%s is warned about, and the volume is still valid", (line, warning) => {
    const options = VALID.split("\n")
      .filter((l) => !l.startsWith(line.split(":")[0]))
      .join("\n");
    const [volume] = check(podWith(`${options}\n${line}`)).volumes;
    expect(volume.problems).toEqual([]);
    expect(volume.warnings).toEqual([expect.stringContaining(warning)]);
  });

  test("real values get no warning", () => {
    expect(check(podWith(VALID)).volumes[0].warnings).toEqual([]);
  });
});

describe("what kubectl accepts, kv check reads", () => {
  const traefik = readFileSync(join(__dirname, "../fixtures/traefik-deployment.yaml"), "utf8");

  test("the original's Traefik example: its volume, its command as kubectl reads it", () => {
    const { objects, problems } = parseManifest(traefik, "traefik.yaml");
    expect(problems).toEqual([]);
    const spec = (objects[0] as any).spec.template.spec;
    expect(spec.initContainers[0].command).toEqual([
      "sh",
      "-c",
      "cat /certs/cert1 | base64 -d - > /ssl/certificate.pfx && openssl pkcs12 -in /ssl/certificate.pfx -out " +
        '/ssl/certificate.pem -nodes -passin pass:"" && openssl pkey -in /ssl/certificate.pem -out ' +
        "/ssl/certificate.key",
    ]);
    const [volume] = check(traefik).volumes;
    expect(volume.volume.volumeName).toBe("certs");
    expect(volume.warnings).toEqual([expect.stringContaining('tenantid: "TENANT-ID" looks like')]);
  });

  test("re-indents only continuation lines, keeps line count, leaves block scalars and apostrophes alone", () => {
    const text = "a: [x,\ny]\nb: it's\nc: |\n  [not flow\nd: 'two\nlines'\n";
    expect(indentFlowContinuations(text)).toBe("a: [x,\n y]\nb: it's\nc: |\n  [not flow\nd: 'two\n lines'\n");
  });

  test("YAML that is wrong for kubectl too is still reported", () => {
    expect(parseManifest("a: [x,\nb: c\n", "bad.yaml").problems).toEqual([
      expect.stringContaining("bad.yaml, document 1: is not valid YAML"),
    ]);
  });
});

// go-yaml v2's resolve() (sigs.k8s.io/yaml/goyaml.v2/resolve.go), row by row.
describe("plain scalars typed as go-yaml v2 types them", () => {
  test.each([
    // its resolve map: YAML 1.1 booleans, nulls, .inf and .nan
    ["y", "boolean"],
    ["Yes", "boolean"],
    ["OFF", "boolean"],
    ["", "null"],
    ["~", "null"],
    ["NULL", "null"],
    ["-.inf", "number"],
    [".NaN", "number"],
    ["+.nan", undefined], // only .inf takes a sign
    // a leading digit or sign: strconv.ParseInt(s, 0, 64) or ParseUint after removing every "_"
    ["0755", "number"],
    ["0o440", "number"],
    ["0x1F", "number"],
    ["0b101", "number"],
    ["-0b101", "number"],
    ["1_000", "number"],
    ["+42", "number"],
    ["18446744073709551615", "number"], // ParseUint
    // then yamlStyleFloat and ParseFloat
    ["1.0", "number"],
    ["08", "number"], // no octal, but a float
    ["+.5", "number"],
    ["1e3", "number"],
    // a leading ".": ParseFloat as written
    [".5", "number"],
    // strings
    ["1:30", undefined], // no base-60 in go-yaml
    ["2024-01-01", undefined], // a timestamp, kept a string in interface{}
    ["0o8", undefined],
    ["0x", undefined],
    ["1e400", undefined], // ParseFloat's range error
    ["0x1p3", undefined], // a Go hex float, but no yamlStyleFloat
    [".", undefined],
    ["yess", undefined],
    ["-", undefined],
    ["Infinity", undefined],
  ])("%j: %s", (source, kind) => {
    expect(goYamlKind(source)).toBe(kind);
  });
});
