import { FetchError, IdentityError } from "../../src/errors";
import type { KeyVault } from "../../src/model/keyVault";
import type { ObjectSpec } from "../../src/model/objectSpec";
import { fetchObjects } from "../../src/vault/fetchObjects";

const context = { vaultName: "contoso-kv", principal: "service principal 1111", clientId: "1111" };
const spec = (type: ObjectSpec["type"], name: string, version = ""): ObjectSpec => ({ type, name, fileName: name, version, format: "default", encoding: "utf-8" });
const restError = (statusCode: number, code?: string) => Object.assign(new Error(`HTTP ${statusCode}`), { name: "RestError", statusCode, code });

/** An in-memory vault: our own KeyVault interface, not the SDK. */
function vaultOf(secrets: Record<string, string | Error>): KeyVault & { peak: number } {
  let inFlight = 0;
  const vault = {
    peak: 0,
    async getSecret(name: string) {
      inFlight++;
      vault.peak = Math.max(vault.peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      const found = secrets[name];
      if (found === undefined) throw restError(404, "SecretNotFound");
      if (found instanceof Error) throw found;
      return { value: found };
    },
    getKey: async () => ({ kty: "RSA", n: new Uint8Array([1, 2, 3]), e: new Uint8Array([1, 0, 1]) }),
    getCertificate: async () => ({ cer: new Uint8Array([0x30, 0x00]) }),
  };
  return vault;
}

describe("fetchObjects", () => {
  it("returns one file per object, in the order asked, with bounded concurrency", async () => {
    const names = Array.from({ length: 20 }, (_, i) => `s${i}`);
    const vault = vaultOf(Object.fromEntries(names.map((n) => [n, `value-${n}`])));
    const files = await fetchObjects(vault, [...names.map((n) => spec("secret", n)), spec("key", "k"), spec("cert", "c")], context, { concurrency: 4 });
    expect(files.map((f) => f.fileName)).toEqual([...names, "k", "c"]);
    expect(files[3].content.toString()).toBe("value-s3");
    expect(files[20].content.toString()).toBe("AQID");
    expect(vault.peak).toBe(4);
  });

  it("names every failing object with its cause and fix", async () => {
    const vault = vaultOf({ ok: "x", denied: restError(403), busy: restError(429), down: Object.assign(new Error("reset"), { code: "ECONNRESET" }) });
    const attempt = fetchObjects(vault, ["ok", "missing", "denied", "busy", "down"].map((n) => spec("secret", n)), context, { concurrency: 2 });
    await expect(attempt).rejects.toThrow(FetchError);
    const { failures } = (await attempt.catch((error: unknown) => error)) as FetchError;
    expect(failures.map((f) => [f.object, f.cause])).toEqual([
      ["secret/busy", "throttled"],
      ["secret/denied", "forbidden"],
      ["secret/down", "network"],
      ["secret/missing", "not found"],
    ]);
    expect(failures[1].detail).toContain("az keyvault set-policy --name contoso-kv --secret-permissions get --spn 1111");
  });

  it("reports a failed token once, as an identity error", async () => {
    // Azure AD ends its lines with \r\n: the answer keeps neither.
    const authError = Object.assign(new Error("AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x"), { name: "AuthenticationError" });
    const vault = vaultOf({ a: authError, b: authError });
    await expect(fetchObjects(vault, [spec("secret", "a"), spec("secret", "b")], context, { concurrency: 1 })).rejects.toEqual(
      new IdentityError("AADSTS7000215: Invalid client secret provided."),
    );
  });

  it("stops at the deadline and names every object still pending", async () => {
    const hanging: KeyVault = { ...vaultOf({}), getSecret: () => new Promise(() => undefined) };
    const attempt = fetchObjects(hanging, [spec("secret", "a"), spec("secret", "b"), spec("key", "k")], context, {
      concurrency: 2,
      abortSignal: AbortSignal.timeout(50),
      deadlineSeconds: 7,
    });
    const { failures } = (await attempt.catch((error: unknown) => error)) as FetchError;
    expect(failures).toEqual([
      { object: "secret/a", cause: "timeout", detail: expect.stringContaining("7s deadline") },
      { object: "secret/b", cause: "timeout", detail: expect.stringContaining("mounttimeout") },
      // never started: the pool was busy with the two that hang
      { object: "key/k", cause: "timeout", detail: expect.stringContaining("still pending") },
    ]);
  });

  it("blames the identity source, not the objects, when the deadline passes before any token came", async () => {
    const hanging: KeyVault = { ...vaultOf({}), getSecret: () => new Promise(() => undefined) };
    const attempt = fetchObjects(hanging, [spec("secret", "a"), spec("secret", "b")], { ...context, awaitingToken: true }, {
      concurrency: 2,
      abortSignal: AbortSignal.timeout(50),
      deadlineSeconds: 7,
    });
    const error = await attempt.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(IdentityError);
    expect((error as Error).message).toMatch(/^no token for service principal 1111 before the mount's 7s deadline passed \(option mounttimeout\), so nothing was fetched from key vault contoso-kv; check/);
  });
});
