// Mounts under faults, against the real bundled CLI and a real tmpfs: throttling,
// a vault that hangs past the deadline, connection resets, NMI not yet ready,
// concurrent calls, the fetch pool, and errors that must not be retried.
// Counts come from the stand-in (what the driver really sent); no timing targets here.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { kubeletOptions } from "../../standin/kubeletCall";
import { findMount, mountsAt } from "../../standin/mounts";
import { expectSingleJson, type DriverResult } from "../support/driver";
import { Kubelet, type PodVolume } from "../support/kubelet";
import { standInSuite } from "../support/suite";
import { pattern } from "../support/pattern";

const suite = standInSuite();
const NAMES = Array.from({ length: 20 }, (_, i) => `app-secret-${String(i).padStart(2, "0")}`);
const valueOf = (name: string) => `value of ${name}`;
/** Room for the SDK's backoff and Retry-After waits; a hang is cut by mounttimeout. */
const MOUNT_CALL_TIMEOUT_MS = 45_000;

let kubelet: Kubelet;

beforeAll(() => {
  for (const name of NAMES) suite.vault.addSecret(name, valueOf(name));
});

beforeEach(() => {
  // A kubelet per test: its cleanUp unmounts (umount -l) and removes only this test's volumes.
  kubelet = new Kubelet(suite.azure.env);
  suite.azure.resetStats();
});

afterEach(() => {
  suite.azure.clearFaults();
  suite.azure.setNmiNotReady(0);
  kubelet.cleanUp();
});

/** The pod's flexVolume options for the secrets `names` in contoso-kv. */
function podOptions(names: readonly string[], extra: Record<string, string> = {}): Record<string, string> {
  return {
    keyvaultname: "contoso-kv",
    keyvaultobjectnames: names.join(";"),
    keyvaultobjecttypes: names.map(() => "secret").join(";"),
    tenantid: suite.azure.tenantId,
    ...extra,
  };
}

/** As kubelet passes them for the suite's service principal. */
function secretsOptions(names: readonly string[], extra: Record<string, string> = {}): Record<string, string> {
  return kubeletOptions(podOptions(names, extra), suite.sp);
}

function expectMountedWith(volume: PodVolume, result: DriverResult, names: readonly string[]): void {
  expect(expectSingleJson(result.combined)).toEqual({ status: "Success" });
  expect(result.code).toBe(0);
  expect(mountsAt(volume.dir)).toBe(1);
  expect(findMount(volume.dir)?.fsType).toBe("tmpfs");
  expect(readdirSync(volume.dir).sort()).toEqual([...names].sort());
  for (const name of names) expect(readFileSync(join(volume.dir, name), "utf8")).toBe(valueOf(name));
}

/** Key Vault requests for one object, as the stand-in recorded them. */
function vaultRequestsFor(name: string) {
  return suite.azure.requests.filter((r) => r.service === "keyvault" && r.target?.name === name);
}

test(
  "a throttling storm (every object 429 twice, Retry-After 0 or 1) is waited out and mounts",
  async () => {
    NAMES.forEach((name, i) =>
      suite.azure.injectFault({ throttle: 2, retryAfterSeconds: i % 2 }, { vault: "contoso-kv", name }),
    );
    const volume = kubelet.newVolume();
    const result = await kubelet.mount(volume, secretsOptions(NAMES));
    expectMountedWith(volume, result, NAMES);
    for (const name of NAMES) {
      const statuses = vaultRequestsFor(name).map((r) => r.status);
      expect({
        name,
        throttled: statuses.filter((s) => s === 429).length,
        ok: statuses.filter((s) => s === 200).length,
      }).toEqual({ name, throttled: 2, ok: 1 });
    }
  },
  MOUNT_CALL_TIMEOUT_MS,
);

test(
  "a vault that hangs past mounttimeout fails cleanly, naming exactly the pending objects",
  async () => {
    const hanging = NAMES.slice(3, 5);
    for (const name of hanging) suite.azure.injectFault({ hang: true }, { vault: "contoso-kv", name });
    const volume = kubelet.newVolume();
    const result = await kubelet.mount(volume, secretsOptions(NAMES.slice(0, 5), { mounttimeout: "2" }));
    const answer = expectSingleJson(result.combined);
    expect(answer.status).toBe("Failure");
    expect(result.code).toBe(1);
    const message = String(answer.message);
    for (const name of hanging)
      expect(message).toContain(
        `secret/${name}: timeout: still pending when the mount's 2s deadline passed (option mounttimeout)`,
      );
    for (const name of NAMES.slice(0, 3)) expect(message).not.toContain(name);
    expect(message).toContain("2 object(s)");
    expect(findMount(volume.dir)).toBeUndefined();
    expect(readdirSync(volume.dir)).toEqual([]);
  },
  MOUNT_CALL_TIMEOUT_MS,
);

test(
  "an Azure AD that never answers fails at mounttimeout, naming the token, not the objects",
  async () => {
    suite.azure.injectFault({ hang: true }, { service: "aad" });
    const volume = kubelet.newVolume();
    const result = await kubelet.mount(volume, secretsOptions(NAMES.slice(0, 2), { mounttimeout: "2" }));
    const answer = expectSingleJson(result.combined);
    expect(answer.status).toBe("Failure");
    expect(String(answer.message)).toMatch(
      pattern(
        /^/,
        "cannot get an access token: no token for service principal ",
        /\S+/,
        " before the mount's 2s deadline passed (option mounttimeout)",
      ),
    );
    expect(String(answer.message)).not.toContain("secret/");
    // No read reached the vault; with KV_SPEED_TRICKS=off the SDK's tokenless challenge requests (401) may have.
    expect(suite.azure.requests.filter((r) => r.service === "keyvault" && r.status !== 401)).toEqual([]);
    expect(findMount(volume.dir)).toBeUndefined();
  },
  MOUNT_CALL_TIMEOUT_MS,
);

test(
  "connection resets on the way to Key Vault and Azure AD are retried and the mount succeeds",
  async () => {
    suite.azure.injectFault({ resets: 3 }, { vault: "contoso-kv" });
    suite.azure.injectFault({ resets: 1 }, { service: "aad" });
    const names = NAMES.slice(0, 5);
    const volume = kubelet.newVolume();
    const result = await kubelet.mount(volume, secretsOptions(names));
    expectMountedWith(volume, result, names);
    const resets = suite.azure.requests.filter((r) => r.fault === "reset");
    expect(resets.filter((r) => r.service === "keyvault")).toHaveLength(3);
    expect(resets.filter((r) => r.service === "aad")).toHaveLength(1);
  },
  MOUNT_CALL_TIMEOUT_MS,
);

/** Mounts `names` with `options`, expects them mounted, and returns the statuses `service` answered, in order. */
async function mountAndAnswersOf(
  service: "nmi" | "imds",
  names: readonly string[],
  options: Record<string, string>,
): Promise<(number | undefined)[]> {
  const volume = kubelet.newVolume();
  expectMountedWith(volume, await kubelet.mount(volume, options), names);
  return suite.azure.requests.filter((r) => r.service === service).map((r) => r.status);
}

test(
  "pod identity whose NMI is not ready for the first requests is retried until it is",
  async () => {
    const identity = suite.azure.addManagedIdentity();
    suite.azure.addPodIdentity("shop", "cart-0", identity.clientId);
    suite.vault.grant(identity.clientId, "secret");
    suite.azure.setNmiNotReady(2);
    const names = NAMES.slice(0, 3);
    const options = kubeletOptions(
      podOptions(names, { usepodidentity: "true", nmiport: String(suite.azure.nmiPort) }),
      undefined,
      { name: "cart-0", namespace: "shop" },
    );
    expect(await mountAndAnswersOf("nmi", names, options)).toEqual([500, 500, 200]);
  },
  MOUNT_CALL_TIMEOUT_MS,
);

test(
  "the node's managed identity whose IMDS answers 503 at first is retried until it answers",
  async () => {
    const identity = suite.azure.addManagedIdentity({ clientId: "0d3f5b7a-9c1e-4a2b-8d6f-1e3c5a7b9d2f" });
    suite.vault.grant(identity.clientId, "secret");
    suite.azure.injectFault({ serverErrors: 2, serverErrorStatus: 503 }, { service: "imds" });
    const names = NAMES.slice(0, 2);
    const options = kubeletOptions(
      podOptions(names, { usevmmanagedidentity: "true", vmmanagedidentityclientid: identity.clientId }),
    );
    expect(await mountAndAnswersOf("imds", names, options)).toEqual([503, 503, 200]);
  },
  MOUNT_CALL_TIMEOUT_MS,
);

test(
  "two concurrent mounts of one dir both answer Success and leave exactly one tmpfs",
  async () => {
    // Slow answers keep the first call fetching while the second one arrives.
    suite.azure.injectFault({ latencyMs: 50 }, { service: "keyvault" });
    const volume = kubelet.newVolume();
    const [first, second] = await Promise.all([
      kubelet.mount(volume, secretsOptions(NAMES)),
      kubelet.mount(volume, secretsOptions(NAMES)),
    ]);
    expectMountedWith(volume, first, NAMES);
    expectMountedWith(volume, second, NAMES);
    // The second call found the volume mounted and fetched nothing.
    expect(suite.azure.requests.filter((r) => r.service === "keyvault" && r.status === 200)).toHaveLength(NAMES.length);
  },
  MOUNT_CALL_TIMEOUT_MS,
);

test(
  "an unmount that arrives while the mount of its dir is still fetching waits for it, and leaves nothing mounted",
  async () => {
    // The mount is still waiting for Key Vault when the unmount starts.
    suite.azure.injectFault({ latencyMs: 1_000 }, { service: "keyvault" });
    const volume = kubelet.newVolume();
    const mounting = kubelet.mount(volume, secretsOptions(NAMES.slice(0, 3)));
    // The mount holds its lock from before it fetches: once Key Vault sees a request, it is at work.
    while (!suite.azure.requests.some((r) => r.service === "keyvault"))
      await new Promise((resolve) => setTimeout(resolve, 20));
    const unmounted = await kubelet.unmount(volume);
    expect(expectSingleJson((await mounting).combined)).toEqual({ status: "Success" });
    expect(expectSingleJson(unmounted.combined)).toEqual({ status: "Success" });
    expect(existsSync(volume.dir)).toBe(false);
    expect(findMount(volume.dir)).toBeUndefined();
  },
  MOUNT_CALL_TIMEOUT_MS,
);

test(
  "mounts of different dirs in parallel each get exactly their own objects",
  async () => {
    suite.azure.injectFault({ latencyMs: 30 }, { service: "keyvault" });
    const groups = [NAMES.slice(0, 5), NAMES.slice(5, 12), NAMES.slice(12)];
    const volumes = groups.map(() => kubelet.newVolume());
    const results = await Promise.all(groups.map((names, i) => kubelet.mount(volumes[i], secretsOptions(names))));
    groups.forEach((names, i) => expectMountedWith(volumes[i], results[i], names));
  },
  MOUNT_CALL_TIMEOUT_MS,
);

test(
  "a 20-object mount fetches concurrently, at most 16 requests at a time",
  async () => {
    suite.azure.injectFault({ latencyMs: 100 }, { service: "keyvault" });
    const volume = kubelet.newVolume();
    expectMountedWith(volume, await kubelet.mount(volume, secretsOptions(NAMES)), NAMES);
    const { peakInFlight } = suite.azure.stats("keyvault");
    expect(peakInFlight).toBeGreaterThan(1);
    expect(peakInFlight).toBeLessThanOrEqual(16);
  },
  MOUNT_CALL_TIMEOUT_MS,
);

/** The speed door's tricks (src/speed) on, whatever the run's KV_SPEED_TRICKS: the tests of what they do. */
const TRICKS_ON = { KV_SPEED_TRICKS: "on" };

test(
  "a 20-object mount asks Azure AD once, sends no unauthenticated request, and reuses its proxy tunnels",
  async () => {
    suite.azure.injectFault({ latencyMs: 20 }, { service: "keyvault" });
    const volume = kubelet.newVolume();
    expectMountedWith(volume, await kubelet.mount(volume, secretsOptions(NAMES), TRICKS_ON), NAMES);
    expect(suite.azure.requests.filter((r) => r.service === "aad")).toHaveLength(1);
    expect(suite.azure.requests.filter((r) => r.service === "keyvault").map((r) => r.status)).toEqual(
      NAMES.map(() => 200),
    );
    // One tunnel for Azure AD and at most one per request in flight to the vault, not one per request.
    const tunnels = suite.azure.requests.filter((r) => r.service === "proxy" && r.method === "CONNECT");
    expect(tunnels.length).toBeLessThanOrEqual(1 + 16);
  },
  MOUNT_CALL_TIMEOUT_MS,
);

test(
  "a 20-object mount opens its 16 vault tunnels while the token is requested, and they resume the first one's " +
    "TLS session",
  async () => {
    // Time enough for the tunnels to be set up before the token arrives.
    suite.azure.injectFault({ latencyMs: 1_500 }, { service: "aad" });
    const volume = kubelet.newVolume();
    expectMountedWith(volume, await kubelet.mount(volume, secretsOptions(NAMES), TRICKS_ON), NAMES);
    const vaultHost = "contoso-kv.vault.azure.net";
    expect(suite.azure.tlsSessions.filter((s) => s.host === vaultHost).map((s) => s.resumed)).toEqual([
      false,
      ...Array(15).fill(true),
    ]);
    // In the stand-in's order of arrival: every tunnel to the vault before the first Key Vault request.
    const arrivals = suite.azure.requests.map((r) =>
      r.service === "proxy" && r.host === `${vaultHost}:443` ? "tunnel" : r.service,
    );
    expect(arrivals.filter((a) => a === "tunnel")).toHaveLength(16);
    expect(arrivals.lastIndexOf("tunnel")).toBeLessThan(arrivals.indexOf("keyvault"));
  },
  MOUNT_CALL_TIMEOUT_MS,
);

test(
  "KV_SPEED_TRICKS=off runs the SDK's own paths: the vault's first request goes without a token and gets its challenge",
  async () => {
    const names = NAMES.slice(0, 2);
    const volume = kubelet.newVolume();
    expectMountedWith(volume, await kubelet.mount(volume, secretsOptions(names), { KV_SPEED_TRICKS: "off" }), names);
    expect(suite.azure.requests.filter((r) => r.service === "keyvault").map((r) => r.status)).toContain(401);
    expect(suite.azure.requests.filter((r) => r.service === "aad")).toHaveLength(1);
  },
  MOUNT_CALL_TIMEOUT_MS,
);

test(
  "403 and 404 from Key Vault are answered at once, never retried",
  async () => {
    suite.vault.addKey("signing", (await import("../../standin/fixtures")).generateKeyPair("EC-P-256").privateKey);
    const reader = suite.azure.addServicePrincipal();
    suite.vault.grant(reader.clientId, "secret");
    const volume = kubelet.newVolume();
    const options = kubeletOptions(
      {
        keyvaultname: "contoso-kv",
        keyvaultobjectnames: "no-such-secret;signing",
        keyvaultobjecttypes: "secret;key",
        tenantid: suite.azure.tenantId,
      },
      reader,
    );
    const answer = expectSingleJson((await kubelet.mount(volume, options)).combined);
    expect(answer.status).toBe("Failure");
    expect(String(answer.message)).toContain("secret/no-such-secret: not found");
    expect(String(answer.message)).toContain("key/signing: forbidden");
    // A 401 would be Key Vault's challenge, which is not a retry (the driver sends its token up front, so none comes).
    expect(
      vaultRequestsFor("no-such-secret")
        .map((r) => r.status)
        .filter((s) => s !== 401),
    ).toEqual([404]);
    expect(
      vaultRequestsFor("signing")
        .map((r) => r.status)
        .filter((s) => s !== 401),
    ).toEqual([403]);
    expect(findMount(volume.dir)).toBeUndefined();
  },
  MOUNT_CALL_TIMEOUT_MS,
);

test(
  "a 400 from Azure AD (unknown client) is answered at once, never retried",
  async () => {
    const volume = kubelet.newVolume();
    const stranger = { clientId: "0b9c2f1e-7a6d-4e5c-9b8a-1f2e3d4c5b6a", clientSecret: "not-a-known-secret" };
    const options = kubeletOptions(podOptions(NAMES.slice(0, 3)), stranger);
    const answer = expectSingleJson((await kubelet.mount(volume, options)).combined);
    expect(answer).toEqual({ status: "Failure", message: expect.stringContaining("AADSTS700016") });
    expect(suite.azure.requests.filter((r) => r.service === "aad").map((r) => r.status)).toEqual([400]);
    expect(findMount(volume.dir)).toBeUndefined();
  },
  MOUNT_CALL_TIMEOUT_MS,
);
