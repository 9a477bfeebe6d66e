// kv check and rotationpollinterval: the interval in the report, and the note on short
// intervals over many objects (a Key Vault throttling risk).
import { stringify } from "yaml";
import { renderJson, renderText } from "../../src/check/report";
import { validateManifest } from "../../src/check/validate";
import { pattern } from "../support/pattern";

const names = (count: number) => Array.from({ length: count }, (_, i) => `secret-${i}`);
function report(options: Record<string, string>) {
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web-0", namespace: "shop" },
    spec: {
      containers: [],
      volumes: [
        {
          name: "secrets",
          flexVolume: {
            driver: "azure/kv",
            readOnly: true,
            options: {
              keyvaultname: "contoso-kv",
              tenantid: "72f988bf-86f1-41af-91ab-2d7cd011db47",
              usevmmanagedidentity: "true",
              ...options,
            },
          },
        },
      ],
    },
  };
  return validateManifest({ source: "m.yaml", text: stringify(pod) });
}
const objects = (count: number, versions?: string) => ({
  keyvaultobjectnames: names(count).join(";"),
  keyvaultobjecttypes: names(count)
    .map(() => "secret")
    .join(";"),
  ...(versions ? { keyvaultobjectversions: versions } : {}),
});

test(
  "a short interval over many objects is noted as a throttling " + "risk, with the node count that reaches the limit",
  () => {
    const checked = report({ ...objects(12), rotationpollinterval: "30s" });
    const [volume] = JSON.parse(renderJson(checked)).volumes;
    expect(volume.rotationPollIntervalSeconds).toBe(30);
    expect(volume.notes).toEqual([
      expect.stringMatching(
        pattern(
          /^/,
          "rotationpollinterval 30s with 12 objects is a Key Vault throttling risk: ",
          /.*/,
          " about 1000 such nodes alone reach the vault's limit of 4,000 reads per 10 s; consider 5m or more",
        ),
      ),
    ]);
    expect(renderText(checked)).toContain(", refreshed every 30s\n");
    expect(renderText(checked)).toContain("  note: rotationpollinterval 30s with 12 objects");
  },
);

test.each([
  ["a long interval", { ...objects(12), rotationpollinterval: "5m" }],
  ["few objects", { ...objects(9), rotationpollinterval: "10s" }],
  [
    "objects pinned to versions (never fetched again)",
    { ...objects(10, `${"a".repeat(32)};;;;;;;;;`), rotationpollinterval: "10s" },
  ],
  ["no rotation", objects(50)],
])("no note for %s", (_case, options) => {
  const [volume] = JSON.parse(renderJson(report(options))).volumes;
  expect(volume.valid).toBe(true);
  expect(volume.notes).toEqual([]);
});
