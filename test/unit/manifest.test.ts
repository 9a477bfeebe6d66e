import { parseManifest } from "../../src/check/manifest";

const SECRET = "Xy8Q~SuperSecret_123";

describe("parseManifest", () => {
  it("says where YAML is wrong without quoting it: the document may be a Secret", () => {
    const text =
      `apiVersion: v1\nkind: Secret\nmetadata: { name: creds }\nstringData:\n  clientid: ` +
      `00000000-0000-0000-0000-000000000000\n  clientsecret: >${SECRET}\n`;
    const { problems, objects } = parseManifest(text, "leak.yaml");
    expect(problems).toEqual(["leak.yaml, document 1: is not valid YAML at line 6, column 18 (unexpected token)"]);
    expect(problems.join()).not.toContain(SECRET.slice(0, 6));
    expect(objects).toEqual([]);
  });

  it("reports a document with an unresolved alias and still reads the others", () => {
    const { problems, objects } = parseManifest("kind: Pod\nmetadata: { name: a }\n---\na: *nope\n", "two.yaml");
    expect(problems).toEqual([
      "two.yaml, document 2: cannot be read: Unresolved alias (the anchor must be set before the alias): nope",
    ]);
    expect(objects).toEqual([{ kind: "Pod", metadata: { name: "a" } }]);
  });

  it("honours merge keys, as kubectl does", () => {
    const text =
      "kind: Pod\nx-common: &common { keyvaultname: contoso-kv, tenantid: t }\nspec:\n  options: { <<: *common, " +
      "keyvaultobjectnames: s2 }\n";
    const [pod] = parseManifest(text, "merge.yaml").objects as [{ spec: { options: Record<string, string> } }];
    expect(pod.spec.options).toEqual({ keyvaultname: "contoso-kv", tenantid: "t", keyvaultobjectnames: "s2" });
  });
});
