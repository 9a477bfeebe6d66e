// envfile and keyvaultobjectenvnames: which objects go into the env file under which name
// (parsing), and the file's lines (content). Sourcing it in a real shell is test/e2e/envFile.test.ts.
import { FetchError } from "../../src/errors";
import { parseVolumeOptions } from "../../src/options/parseVolumeOptions";
import { envFileOf } from "../../src/content/envFile";
import { errorOf, optionErrorOf } from "./optionErrorOf";

const base64 = (text: string) => Buffer.from(text).toString("base64");

/** A valid mount of a secret, a key and a certificate, with `changes`. */
function parse(changes: Record<string, string>) {
  return parseVolumeOptions({
    keyvaultname: "myvault",
    keyvaultobjectnames: "db-password;signing;tls",
    keyvaultobjecttypes: "secret;key;cert",
    tenantid: "72f988bf-86f1-41af-91ab-2d7cd011db47",
    "kubernetes.io/secret/clientid": base64("00000000-1111-2222-3333-444444444444"),
    "kubernetes.io/secret/clientsecret": base64("not-a-real-secret"),
    ...changes,
  });
}
const envNames = (changes: Record<string, string>) => parse(changes).objects.map((object) => object.envName);

describe("which objects go into the env file, named how", () => {
  test("without envfile: none, and no env file", () => {
    const options = parse({});
    expect(options.envFile).toBeUndefined();
    expect(options.objects.map((object) => object.envName)).toEqual([undefined, undefined, undefined]);
  });

  test("text secrets by default, named from the alias: upper case, other characters made _", () => {
    expect(parse({ envfile: ".env" }).envFile).toBe(".env");
    expect(envNames({ envfile: ".env" })).toEqual(["DB_PASSWORD", undefined, undefined]);
    expect(envNames({ envfile: ".env", keyvaultobjectaliases: "db.pass-word;k;c" })).toEqual([
      "DB_PASS_WORD",
      undefined,
      undefined,
    ]);
  });

  test("keys and certificates only when named and given format pem; '-' leaves a secret out", () => {
    const changes = {
      envfile: ".env",
      keyvaultobjectformats: ";pem;pem",
      keyvaultobjectenvnames: "-;SIGNING_KEY;tls_cert",
    };
    expect(envNames(changes)).toEqual([undefined, "SIGNING_KEY", "tls_cert"]);
  });

  test("a secret as PEM goes in by default; one decoded from base64 only when named", () => {
    const names = "a;b;c";
    expect(
      envNames({
        envfile: ".env",
        keyvaultobjectnames: names,
        keyvaultobjecttypes: "secret;secret;secret",
        keyvaultobjectformats: "pem;;",
        keyvaultobjectencodings: ";base64;hex",
        keyvaultobjectenvnames: ";;C",
      }),
    ).toEqual(["A", undefined, "C"]);
  });
});

describe("refused at mount, naming the option and the object", () => {
  test.each<[string, Record<string, string>, string, string[]]>([
    ["names without an env file", { keyvaultobjectenvnames: "A;;" }, "keyvaultobjectenvnames", ["envfile is not"]],
    ["an env file that is a path", { envfile: "../.env" }, "envfile", ["path separator"]],
    ["an env file named like an object's file", { envfile: "tls" }, "envfile", ["cert/tls"]],
    [
      "a name that is not a variable name",
      { envfile: ".env", keyvaultobjectenvnames: "DB-PASSWORD;;" },
      "keyvaultobjectenvnames",
      ['entry 1 ("DB-PASSWORD")', 'secret "db-password"', "not a valid environment variable name"],
    ],
    [
      "a derived name that starts with a digit",
      { envfile: ".env", keyvaultobjectaliases: "1password;k;c" },
      "keyvaultobjectenvnames",
      ['derives "1PASSWORD"', 'secret "db-password"'],
    ],
    [
      "a key without a text format",
      { envfile: ".env", keyvaultobjectenvnames: ";SIGNING;" },
      "keyvaultobjectenvnames",
      ['key "signing"', "format pem"],
    ],
    [
      "a PKCS#12 file",
      { envfile: ".env", keyvaultobjectformats: "pfx;;", keyvaultobjectenvnames: "TLS;;" },
      "keyvaultobjectenvnames",
      ['secret "db-password"', "PKCS#12"],
    ],
    [
      "two objects with one name",
      { envfile: ".env", keyvaultobjectformats: ";;pem", keyvaultobjectenvnames: "X;;X" },
      "keyvaultobjectenvnames",
      ["secret/db-password (entry 1)", "cert/tls (entry 3)", "both set X"],
    ],
    [
      "an env file nothing goes into",
      { envfile: ".env", keyvaultobjectenvnames: "-;;" },
      "envfile",
      ["no object goes into it"],
    ],
    [
      "one name too few",
      { envfile: ".env", keyvaultobjectenvnames: "A;B" },
      "keyvaultobjectenvnames",
      ["has 2 entries but keyvaultobjectnames has 3"],
    ],
  ])("%s", (_title, changes, option, fragments) => {
    const error = optionErrorOf(() => parse(changes));
    expect(error.option).toBe(option);
    for (const fragment of fragments) expect(error.message).toContain(fragment);
  });
});

describe("the env file's lines", () => {
  const objects = parse({ envfile: ".env", keyvaultobjectformats: ";;pem", keyvaultobjectenvnames: ";-;TLS" }).objects;
  const file = (contents: string[]) =>
    envFileOf(
      ".env",
      objects,
      contents.map((content, i) => ({ fileName: objects[i].fileName, content: Buffer.from(content) })),
      "myvault",
    );

  test("one export per object in the env file, single-quoted, a quote written as '\\''", () => {
    const { fileName, content } = file([
      "it's $HOME `id` \\n",
      "modulus",
      "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    ]);
    expect(fileName).toBe(".env");
    expect(content.toString()).toBe(
      `export DB_PASSWORD='it'\\''s $HOME \`id\` \\n'\nexport TLS='-----BEGIN CERTIFICATE-----\nMIIB\n-----END ` +
        `CERTIFICATE-----\n'\n`,
    );
  });

  test("a value with a NUL, or that is not UTF-8, fails the mount naming the object, never showing the value", () => {
    const nul = "pass\0word-value";
    const error = errorOf(FetchError, () =>
      envFileOf(
        ".env",
        objects,
        [Buffer.from(nul), Buffer.from("m"), Buffer.from([0xff, 0xfe])].map((content, i) => ({
          fileName: objects[i].fileName,
          content,
        })),
        "myvault",
      ),
    );
    expect(error.failures.map((failure) => failure.object)).toEqual(["secret/db-password", "cert/tls"]);
    expect(error.message).toContain("NUL");
    expect(error.message).toContain("not UTF-8");
    expect(error.message).not.toContain("word-value");
  });
});
