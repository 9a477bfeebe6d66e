import { FetchError, IdentityError } from "../../src/errors";
import type { KeyVault } from "../../src/model/keyVault";
import type { ObjectSpec } from "../../src/model/objectSpec";
import type { FailureContext } from "../../src/vault/failures";
import { fetchEveryObject } from "../../src/vault/fetchEveryObject";
import { fetchObjects } from "../../src/vault/fetchObjects";
import { pattern } from "../support/pattern";

const context =
  (changes: Partial<FailureContext> = {}) =>
  () => ({
    vaultName: "contoso-kv",
    principal: "service principal 1111",
    clientId: "1111",
    awaitingToken: false,
    ...changes,
  });
const spec = (type: ObjectSpec["type"], name: string, version = ""): ObjectSpec => ({
  type,
  name,
  fileName: name,
  version,
  format: "default",
  encoding: "utf-8",
});
const restError = (statusCode: number, code?: string) =>
  Object.assign(new Error(`HTTP ${statusCode}`), { name: "RestError", statusCode, code });
// Azure AD ends its lines with \r\n: the answer keeps neither.
const authError = () =>
  Object.assign(new Error("AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x"), {
    name: "AuthenticationError",
  });
/** A mount's options: one deadline, far off unless a test says otherwise. */
const mount = (concurrency: number, signal = AbortSignal.timeout(60_000), seconds = 60) => ({
  concurrency,
  deadline: { signal, seconds },
});

/** An in-memory vault: our own KeyVault interface, not the SDK. */
function vaultOf(secrets: Record<string, string | Error>): KeyVault & { peak: number; asked: string[] } {
  let inFlight = 0;
  const vault = {
    peak: 0,
    asked: [] as string[],
    async getSecret(name: string) {
      vault.asked.push(name);
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
/** A vault that never answers; a request gives up, as the SDK's do, when its signal fires. */
const hangingVault = (): KeyVault => ({
  ...vaultOf({}),
  getSecret: (_name, { abortSignal }) =>
    new Promise((_, reject) =>
      abortSignal?.addEventListener(
        "abort",
        () => reject(Object.assign(new Error("aborted"), { name: "AbortError" })),
        { once: true },
      ),
    ),
});
/** A vault that never answers and ignores the signal, as a token request may. */
const silentVault = (): KeyVault => ({ ...vaultOf({}), getSecret: () => new Promise(() => undefined) });

describe("fetchObjects: every object's outcome (kv check and mount alike)", () => {
  it("keeps each object's outcome, in the order asked, with bounded concurrency", async () => {
    const vault = vaultOf({ a: "value-a", denied: restError(403), c: "value-c" });
    const specs = ["a", "denied", "c", "missing"].map((n) => spec("secret", n));
    const { outcomes, identityError, deadlinePassed } = await fetchObjects(vault, specs, context(), {
      concurrency: 2,
      deadline: { seconds: 60 },
    });
    expect(outcomes.map((o) => [o.spec.name, o.ok ? o.content.toString() : o.failure.cause])).toEqual([
      ["a", "value-a"],
      ["denied", "forbidden"],
      ["c", "value-c"],
      ["missing", "not found"],
    ]);
    expect([identityError, deadlinePassed]).toEqual([undefined, false]);
    expect(vault.peak).toBe(2);
  });

  it(
    "without a whole-fetch deadline, gives each object " + "its own (a check of a slow vault names every object)",
    async () => {
      const { outcomes, deadlinePassed } = await fetchObjects(
        hangingVault(),
        [spec("secret", "a"), spec("secret", "b")],
        context(),
        { concurrency: 1, deadline: { seconds: 0.05 } },
      );
      expect(outcomes.map((o) => (o.ok ? "ok" : [o.failure.cause, o.failure.detail]))).toEqual([
        ["timeout", "the mount's deadline passed before this object arrived"],
        ["timeout", "the mount's deadline passed before this object arrived"],
      ]);
      expect(deadlinePassed).toBe(false);
    },
  );

  it("stops starting objects once the token failed, and says so once", async () => {
    const vault = vaultOf({ a: authError(), b: "value-b", c: "value-c" });
    const { outcomes, identityError } = await fetchObjects(
      vault,
      ["a", "b", "c"].map((n) => spec("secret", n)),
      context(),
      { concurrency: 1, deadline: { seconds: 60 } },
    );
    expect(identityError).toEqual(new IdentityError("AADSTS7000215: Invalid client secret provided."));
    expect(vault.asked).toEqual(["a"]);
    expect(outcomes.map((o) => o.ok)).toEqual([false, false, false]);
  });

  it("asks the failure context when a failure is described, so it names what became known meanwhile", async () => {
    let clientId: string | undefined;
    // As NMI does: the client id is known once the token came, i.e. after the first request left.
    const vault: KeyVault = {
      ...vaultOf({}),
      getSecret: async () => ((clientId = "2222"), Promise.reject(restError(403))),
    };
    const { outcomes } = await fetchObjects(vault, [spec("secret", "s")], () => ({ ...context()(), clientId }), {
      concurrency: 1,
      deadline: { seconds: 60 },
    });
    expect(outcomes[0].ok ? "" : outcomes[0].failure.detail).toContain("--spn 2222");
  });
});

describe("fetchEveryObject: a mount is all or nothing", () => {
  it("returns one file per object, in the order asked, with bounded concurrency", async () => {
    const names = Array.from({ length: 20 }, (_, i) => `s${i}`);
    const vault = vaultOf(Object.fromEntries(names.map((n) => [n, `value-${n}`])));
    const files = await fetchEveryObject(
      vault,
      [...names.map((n) => spec("secret", n)), spec("key", "k"), spec("cert", "c")],
      context(),
      mount(4),
    );
    expect(files.map((f) => f.fileName)).toEqual([...names, "k", "c"]);
    expect(files[3].content.toString()).toBe("value-s3");
    expect(files[20].content.toString()).toBe("AQID");
    expect(vault.peak).toBe(4);
  });

  it("names every failing object with its cause and fix", async () => {
    const vault = vaultOf({
      ok: "x",
      denied: restError(403),
      busy: restError(429),
      down: Object.assign(new Error("reset"), { code: "ECONNRESET" }),
    });
    const attempt = fetchEveryObject(
      vault,
      ["ok", "missing", "denied", "busy", "down"].map((n) => spec("secret", n)),
      context(),
      mount(2),
    );
    await expect(attempt).rejects.toThrow(FetchError);
    const { failures } = (await attempt.catch((error: unknown) => error)) as FetchError;
    expect(failures.map((f) => [f.object, f.cause])).toEqual([
      ["secret/busy", "throttled"],
      ["secret/denied", "forbidden"],
      ["secret/down", "network"],
      ["secret/missing", "not found"],
    ]);
    expect(failures[1].detail).toContain(
      "az keyvault set-policy --name contoso-kv --secret-permissions get --spn 1111",
    );
  });

  it("reports a failed token once, as an identity error", async () => {
    const vault = vaultOf({ a: authError(), b: authError() });
    await expect(
      fetchEveryObject(vault, [spec("secret", "a"), spec("secret", "b")], context(), mount(1)),
    ).rejects.toEqual(new IdentityError("AADSTS7000215: Invalid client secret provided."));
  });

  it("stops at the deadline and names every object still pending", async () => {
    const attempt = fetchEveryObject(
      silentVault(),
      [spec("secret", "a"), spec("secret", "b"), spec("key", "k")],
      context(),
      mount(2, AbortSignal.timeout(50), 7),
    );
    const { failures } = (await attempt.catch((error: unknown) => error)) as FetchError;
    expect(failures).toEqual([
      { object: "secret/a", cause: "timeout", detail: expect.stringContaining("7s deadline") },
      { object: "secret/b", cause: "timeout", detail: expect.stringContaining("mounttimeout") },
      // never started: the pool was busy with the two that hang
      { object: "key/k", cause: "timeout", detail: expect.stringContaining("still pending") },
    ]);
  });

  it("counts what gives up at the deadline as pending, not as failed", async () => {
    const attempt = fetchEveryObject(
      hangingVault(),
      [spec("secret", "a")],
      context(),
      mount(1, AbortSignal.timeout(50), 7),
    );
    const { failures } = (await attempt.catch((error: unknown) => error)) as FetchError;
    expect(failures).toEqual([
      {
        object: "secret/a",
        cause: "timeout",
        detail: "still pending when the mount's 7s deadline passed (option mounttimeout)",
      },
    ]);
  });

  it("blames the identity source, not the objects, when the deadline passes before any token came", async () => {
    const attempt = fetchEveryObject(
      hangingVault(),
      [spec("secret", "a"), spec("secret", "b")],
      context({ awaitingToken: true }),
      mount(2, AbortSignal.timeout(50), 7),
    );
    const error = await attempt.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(IdentityError);
    expect((error as Error).message).toMatch(
      pattern(
        /^/,
        "no token for service principal 1111 before the mount's 7s deadline passed (option mounttimeout), ",
        "so nothing was fetched from key vault contoso-kv; check",
      ),
    );
  });
});
