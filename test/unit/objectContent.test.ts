import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { certificateContent, ContentError, keyContent, publicKeyPem, secretContent } from "../../src/vault/objectContent";
import type { VaultKey } from "../../src/vault/keyVault";

/** A key as the SDK hands it over: JWK fields decoded to bytes. */
function vaultKeyOf(jwk: Record<string, string>): VaultKey {
  const bytes = (field?: string) => (field ? new Uint8Array(Buffer.from(field, "base64url")) : undefined);
  return { kty: jwk.kty, n: bytes(jwk.n), e: bytes(jwk.e), crv: jwk.crv, x: bytes(jwk.x), y: bytes(jwk.y) };
}

describe("object content", () => {
  it("writes a secret's value as UTF-8", () => {
    expect(secretContent({ value: "pä55\nword" })).toEqual(Buffer.from("pä55\nword", "utf8"));
  });

  it("writes an RSA key as the JWK n text Key Vault returned, without padding", () => {
    const jwk = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ format: "jwk" }) as Record<string, string>;
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

  it("refuses a key with no public fields and an unknown curve", () => {
    expect(() => publicKeyPem({ kty: "oct" })).toThrow(ContentError);
    expect(() => publicKeyPem({ kty: "EC", crv: "P-999", x: new Uint8Array([1]), y: new Uint8Array([2]) })).toThrow(/P-999/);
  });

  it("writes a certificate's DER bytes and refuses an empty one", () => {
    const der = Buffer.from("3003020101", "hex");
    expect(certificateContent({ cer: new Uint8Array(der) })).toEqual(der);
    expect(() => certificateContent({ cer: new Uint8Array() })).toThrow(ContentError);
  });
});

