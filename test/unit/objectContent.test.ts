import { createPublicKey, generateKeyPairSync, X509Certificate } from "node:crypto";
import { ContentError } from "../../src/errors";
import { errorOf } from "./optionErrorOf";
import type { VaultKey } from "../../src/model/keyVault";
import { certificateContent, keyContent, publicKeyPem, secretContent } from "../../src/content/objectContent";
import { generateCertificateChain } from "../../standin/fixtures";

/** A key as the SDK hands it over: JWK fields decoded to bytes. */
function vaultKeyOf(jwk: Record<string, string>): VaultKey {
  const bytes = (field?: string) => (field ? new Uint8Array(Buffer.from(field, "base64url")) : undefined);
  return { kty: jwk.kty, n: bytes(jwk.n), e: bytes(jwk.e), crv: jwk.crv, x: bytes(jwk.x), y: bytes(jwk.y) };
}

const rsaJwk = () =>
  generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ format: "jwk" }) as Record<string, string>;

const contentErrorOf = (run: () => unknown) => errorOf(ContentError, run).message;

describe("object content by default (the Go driver's bytes)", () => {
  it("writes a secret's value as UTF-8", () => {
    expect(secretContent({ value: "pä55\nword" })).toEqual(Buffer.from("pä55\nword", "utf8"));
  });

  it("writes an RSA key as the JWK n text Key Vault returned, without padding", () => {
    const jwk = rsaJwk();
    const content = keyContent(vaultKeyOf(jwk)).toString("ascii");
    expect(content).toBe(jwk.n);
    expect(content).not.toMatch(/[=+/]/);
  });

  it.each(["P-256", "P-384", "P-521"])("writes an EC %s key as a PEM public key that matches the JWK", (namedCurve) => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve });
    const jwk = publicKey.export({ format: "jwk" }) as Record<string, string>;
    const pem = keyContent(vaultKeyOf({ ...jwk, kty: "EC-HSM" })).toString();
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(createPublicKey(pem).export({ format: "jwk" })).toEqual(jwk);
  });

  it("refuses a key with no public fields, an unknown curve, and fields that are no key", () => {
    expect(() => publicKeyPem({ kty: "oct" })).toThrow(ContentError);
    expect(() => publicKeyPem({ kty: "EC", crv: "P-999", x: new Uint8Array([1]), y: new Uint8Array([2]) })).toThrow(
      /P-999/,
    );
    expect(
      contentErrorOf(() => publicKeyPem({ kty: "EC", crv: "P-256", x: new Uint8Array(32), y: new Uint8Array(32) })),
    ).toContain("do not form a valid key");
  });

  it("writes a certificate's DER bytes and refuses an empty one", () => {
    const der = Buffer.from("3003020101", "hex");
    expect(certificateContent({ cer: new Uint8Array(der) })).toEqual(der);
    expect(() => certificateContent({ cer: new Uint8Array() })).toThrow(ContentError);
  });
});

describe("format pem of keys and certificates", () => {
  it("writes an RSA key as a PEM public key that matches the JWK", () => {
    const jwk = rsaJwk();
    const pem = keyContent(vaultKeyOf(jwk), "pem").toString();
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/);
    expect(createPublicKey(pem).export({ format: "jwk" })).toEqual(jwk);
  });

  it.each(["P-256", "P-384", "P-521"])("writes an EC %s key as the same PEM as by default", (namedCurve) => {
    const jwk = generateKeyPairSync("ec", { namedCurve }).publicKey.export({ format: "jwk" }) as Record<string, string>;
    const pem = keyContent(vaultKeyOf(jwk), "pem");
    expect(pem).toEqual(keyContent(vaultKeyOf(jwk)));
    expect(createPublicKey(pem).export({ format: "jwk" })).toEqual(jwk);
  });

  it("writes a certificate as PEM whose body is exactly its DER", async () => {
    const { leaf } = await generateCertificateChain("EC-P-384");
    const pem = certificateContent({ cer: new Uint8Array(leaf) }, "pem").toString();
    const [, body] = /^-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/=\n]+)-----END CERTIFICATE-----\n$/.exec(pem) ?? [];
    expect(Buffer.from(body, "base64")).toEqual(leaf);
    expect(new X509Certificate(pem).raw).toEqual(leaf);
  });

  it("refuses certificate bytes that are not X.509", () => {
    expect(contentErrorOf(() => certificateContent({ cer: new Uint8Array([0x30, 0x03, 2, 1, 1]) }, "pem"))).toContain(
      "not valid X.509",
    );
  });
});

describe("secret encodings", () => {
  const binary = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x7f, 0x0a]);
  const long = Buffer.alloc(100, 0xab);

  it.each<[string, string, "base64" | "hex", Buffer]>([
    ["base64", binary.toString("base64"), "base64", binary],
    ["base64 wrapped over lines", `${long.toString("base64").replace(/(.{76})/g, "$1\n")}\n`, "base64", long],
    ["hex", binary.toString("hex"), "hex", binary],
    [
      "upper-case hex wrapped like xxd -p",
      binary
        .toString("hex")
        .toUpperCase()
        .replace(/(.{4})/g, "$1\n"),
      "hex",
      binary,
    ],
  ])("decodes %s into the file's bytes", (_title, value, encoding, expected) => {
    expect(secretContent({ value }, { format: "default", encoding })).toEqual(expected);
  });

  it("decodes an empty value to an empty file", () => {
    expect(secretContent({ value: "" }, { format: "default", encoding: "base64" })).toEqual(Buffer.alloc(0));
    expect(secretContent({ value: "" }, { format: "default", encoding: "hex" })).toEqual(Buffer.alloc(0));
  });

  const SECRET = "s3cr3t-Value!";
  it.each<[string, string, "base64" | "hex"]>([
    ["plain text as base64", SECRET, "base64"],
    ["base64 without its padding", Buffer.from("abcd").toString("base64").replace(/=+$/, ""), "base64"],
    ["base64url", "_-_-", "base64"],
    ["plain text as hex", SECRET, "hex"],
    ["hex of odd length", "abc", "hex"],
    ["hex with a 0x prefix", "0x41", "hex"],
  ])("refuses %s, naming the encoding but not the value", (_title, value, encoding) => {
    const message = contentErrorOf(() => secretContent({ value }, { format: "default", encoding }));
    expect(message).toContain(`not ${encoding} text`);
    expect(message).toContain("keyvaultobjectencodings");
    expect(message).not.toContain(value);
  });
});
