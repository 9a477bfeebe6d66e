// Volumes that share a principal and a vault are refreshed as one group: one token, one
// request per object, one deadline. What one volume of the group waits for must not fail the
// others, a failed token must not be asked again per volume, and the group's connections must
// not outlive it in the long-running refresher.
import { spawn } from "node:child_process";
import { readFileSync, realpathSync, utimesSync } from "node:fs";
import { join } from "node:path";
import type { ServicePrincipal } from "../../standin/identities";
import { kubeletOptions } from "../../standin/kubeletCall";
import { recordPath } from "../../src/state/volumeRecords";
import { expectSingleJson } from "../support/driver";
import type { PodVolume } from "../support/kubelet";
import { lineOf, refreshOnce, refresherEnv, rotatingSecretOptions, RunningRefresher } from "../support/refresher";
import { standInSuite } from "../support/suite";

const suite = standInSuite();
const env = () => refresherEnv(suite.azure.env, suite.kubelet);
const mounted: PodVolume[] = [];
afterEach(async () => {
  suite.azure.clearFaults();
  for (const volume of mounted.splice(0)) await suite.kubelet.unmount(volume);
});

let counter = 0;
function newSecrets(count: number, value: string): string[] {
  return Array.from({ length: count }, () => {
    const name = `group-${++counter}`;
    suite.vault.addSecret(name, `${name} ${value}`);
    return name;
  });
}

function newPrincipal(): ServicePrincipal {
  const sp = suite.azure.addServicePrincipal();
  suite.vault.grant(sp.clientId);
  return sp;
}

async function mountRotating(names: string[], sp: ServicePrincipal, mounttimeout = "60"): Promise<PodVolume> {
  const volume = suite.kubelet.newVolume();
  const options = rotatingSecretOptions(names, suite.azure.tenantId, { rotationpollinterval: "1h", mounttimeout });
  const result = await suite.kubelet.mount(volume, kubeletOptions(options, sp));
  expect(expectSingleJson(result.combined)).toEqual({ status: "Success" });
  mounted.push(volume);
  return volume;
}

/** A rotating volume whose pod's identity aad-pod-identity's NMI hands out. */
async function mountWithPodIdentity(names: string[]): Promise<PodVolume> {
  const identity = suite.azure.addManagedIdentity();
  suite.vault.grant(identity.clientId);
  const pod = { name: `pod-${++counter}`, namespace: "default" };
  suite.azure.addPodIdentity(pod.namespace, pod.name, identity.clientId);
  const volume = suite.kubelet.newVolume();
  const options = rotatingSecretOptions(names, suite.azure.tenantId, {
    rotationpollinterval: "1h",
    usepodidentity: "true",
    nmiport: String(suite.azure.nmiPort),
  });
  const result = await suite.kubelet.mount(volume, kubeletOptions(options, undefined, pod));
  expect(expectSingleJson(result.combined)).toEqual({ status: "Success" });
  mounted.push(volume);
  return volume;
}

const dirOf = (volume: PodVolume) => realpathSync(volume.dir);
const read = (volume: PodVolume, name: string) => readFileSync(join(volume.dir, name), "utf8");
const renew = (names: string[]) => names.forEach((name) => suite.vault.addSecret(name, `${name} new`));

test("a volume whose objects all came is refreshed though another of its group waits past the deadline", async () => {
  const sp = newPrincipal();
  const [fast, slow] = [newSecrets(1, "old"), newSecrets(1, "old")];
  const [done, waiting] = [await mountRotating(fast, sp, "3"), await mountRotating(slow, sp, "3")];
  renew([...fast, ...slow]);
  suite.azure.injectFault({ hang: true }, { service: "keyvault", name: slow[0] });
  const pass = await refreshOnce(env(), "--force");
  expect(lineOf(pass, dirOf(done))).toMatchObject({ result: "changed", files: fast });
  expect(read(done, fast[0])).toBe(`${fast[0]} new`);
  expect(lineOf(pass, dirOf(waiting))).toMatchObject({
    result: "failed",
    failed: [
      {
        object: `secret/${slow[0]}`,
        cause: "timeout",
        detail: "still pending when the refresh's 3s deadline passed (option mounttimeout)",
      },
    ],
  });
  expect(read(waiting, slow[0])).toBe(`${slow[0]} old`);
}, 60_000);

test("stopped by SIGTERM, the refresher still writes the volumes whose objects came", async () => {
  const sp = newPrincipal();
  const [fast, slow] = [newSecrets(1, "old"), newSecrets(1, "old")];
  const [done, waiting] = [await mountRotating(fast, sp), await mountRotating(slow, sp)];
  renew([...fast, ...slow]);
  // Overdue: the refresher's first pass takes both.
  const old = new Date(Date.now() - 2 * 3600_000);
  for (const volume of [done, waiting])
    utimesSync(recordPath(dirOf(volume), { KV_STATE_DIR: suite.kubelet.stateDir }), old, old);
  suite.azure.injectFault({ hang: true }, { service: "keyvault", name: slow[0] });
  suite.azure.resetStats();
  const refresher = new RunningRefresher(env());
  try {
    await refresher.url();
    const answered = () =>
      suite.azure.requests.some((r) => r.target?.name === fast[0] && r.status === 200) &&
      suite.azure.requests.some((r) => r.target?.name === slow[0]);
    for (const until = Date.now() + 30_000; !answered() && Date.now() < until;)
      await new Promise((wake) => setTimeout(wake, 100));
    expect(answered()).toBe(true);
    // The stand-in counts an answer as it sends it; give the refresher time to read it, or the
    // stop would find the fast object still in flight.
    await new Promise((wake) => setTimeout(wake, 500));
    refresher.kill("SIGTERM");
    expect(await refresher.exited).toEqual({ code: 0, signal: null });
    const lineFor = (volume: PodVolume) =>
      refresher.lines.find((line) => line.event === "refresh" && line.dir === dirOf(volume));
    expect(lineFor(done)).toMatchObject({ result: "changed" });
    expect(read(done, fast[0])).toBe(`${fast[0]} new`);
    expect(lineFor(waiting)).toMatchObject({
      result: "failed",
      error: expect.stringMatching(/stopped before this volume's objects arrived/),
    });
    expect(read(waiting, slow[0])).toBe(`${slow[0]} old`);
  } finally {
    await refresher.stop();
  }
}, 60_000);

test.each([
  // The speed door asks the token before the first request; the plain SDK path asks it after each request's
  // challenge (an unauthenticated request to the vault), for the objects started before it failed.
  ["on", 0],
  ["off", 16],
] as const)(
  "speed tricks %s: a token refused for the group fails every volume with it, asked once",
  async (speed, challenges) => {
    const sp = newPrincipal();
    // More objects than are fetched at once (16): some are never started when the token fails.
    const [first, second] = [newSecrets(10, "old"), newSecrets(10, "old")];
    const volumes = [await mountRotating(first, sp), await mountRotating(second, sp)];
    // The secret rotated at Azure AD, not yet in the pods' Kubernetes secret.
    sp.clientSecret = `${sp.clientSecret}-rotated`;
    suite.azure.resetStats();
    const pass = await refreshOnce({ ...env(), KV_SPEED_TRICKS: speed }, "--force");
    const tokenRequests = suite.azure.requests.filter(
      (r) => r.method === "POST" && /\/oauth2\/(v2\.0\/)?token(\?|$)/.test(r.path),
    );
    expect(tokenRequests.length).toBe(1);
    expect(suite.azure.stats("keyvault").requests).toBe(challenges);
    for (const [volume, names] of [
      [volumes[0], first],
      [volumes[1], second],
    ] as const) {
      const line = lineOf(pass, dirOf(volume)) as { result: string; error: string; failed: { cause: string }[] };
      expect(line.result).toBe("failed");
      expect(line.error).toMatch(/AADSTS7000215/);
      expect(line.failed.map((failure) => failure.cause)).toEqual(names.map(() => "unauthorized"));
    }
  },
  60_000,
);

/** Runs `passes` passes in one process (test/support/passProbe.ts); the connections it holds open after them. */
function connectionsAfterPasses(passes: number): Promise<{ results: string[][]; open: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(__dirname, "../support/passProbe.ts"), `${passes}`],
      {
        cwd: join(__dirname, "..", ".."),
        env: { PATH: process.env.PATH ?? "", ...env() },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    child.stderr.on("data", (data: Buffer) => (err += data.toString()));
    child.stdout.on("data", (data: Buffer) => {
      out += data.toString();
      if (!out.includes("\n")) return;
      // Counted while the process is still alive (exiting would close everything), once closed
      // connections had the time to reach the stand-in.
      const results = JSON.parse(out.split("\n")[0]) as string[][];
      const open = () => suite.azure.openConnections() + suite.azure.openNmiConnections();
      void (async () => {
        for (const until = Date.now() + 5_000; open() > 0 && Date.now() < until;)
          await new Promise((wake) => setTimeout(wake, 100));
        resolve({ results, open: open() });
        child.kill("SIGKILL");
      })();
    });
    child.on("close", () => reject(new Error(`the pass probe printed nothing; stderr: ${err.slice(0, 2000)}`)));
  });
}

test("the passes of one process leave no connection open after their groups, NMI's included", async () => {
  const sp = newPrincipal();
  await mountRotating(newSecrets(3, "old"), sp);
  await mountRotating(newSecrets(2, "old"), newPrincipal());
  await mountWithPodIdentity(newSecrets(1, "old"));
  // The mounts' connections closed as their processes ended.
  for (const until = Date.now() + 5_000; suite.azure.openConnections() > 0 && Date.now() < until;)
    await new Promise((wake) => setTimeout(wake, 100));
  expect(suite.azure.openConnections() + suite.azure.openNmiConnections()).toBe(0);
  const { results, open } = await connectionsAfterPasses(3);
  expect(results).toEqual([
    ["unchanged", "unchanged", "unchanged"],
    ["unchanged", "unchanged", "unchanged"],
    ["unchanged", "unchanged", "unchanged"],
  ]);
  expect(open).toBe(0);
}, 60_000);
