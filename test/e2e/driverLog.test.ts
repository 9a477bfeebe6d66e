// The driver's log (KV_DRIVER_LOG): only a regular file is written, so a FIFO, a device, a
// directory or the answer's own stream there means no log, never a hang nor a stray byte in
// the answer; and every line of a call names the call, its <dir> and, for a mount, the pod.
import { execFileSync } from "node:child_process";
import { closeSync, constants, mkdirSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { kubeletOptions } from "../../standin/kubeletCall";
import { findMount } from "../../standin/mounts";
import { expectSingleJson } from "../support/driver";
import { standInSuite } from "../support/suite";

const suite = standInSuite();
beforeAll(() => suite.vault.addSecret("db-password", "s3cr3t-value"));

/** kubelet has no timeout; these calls get one, so a hang fails the test instead of stalling it. */
const BOUND = { timeoutMs: 20_000 };
const pod = { name: "cart-0", namespace: "shop" };

function podOptions(names: string, extra: Record<string, string> = {}, uid?: string): Record<string, string> {
  const types = names
    .split(";")
    .map(() => "secret")
    .join(";");
  return kubeletOptions(
    {
      keyvaultname: "contoso-kv",
      keyvaultobjectnames: names,
      keyvaultobjecttypes: types,
      tenantid: suite.azure.tenantId,
      ...extra,
    },
    suite.sp,
    { ...pod, uid },
  );
}

describe.each([
  ["a FIFO nobody reads", (dir: string) => (execFileSync("mkfifo", [join(dir, "log")]), join(dir, "log"))],
  ["a directory", (dir: string) => (mkdirSync(join(dir, "log")), join(dir, "log"))],
  ["/dev/stdout (the answer's own stream)", () => "/dev/stdout"],
  ["a device (/dev/null)", () => "/dev/null"],
])("KV_DRIVER_LOG naming %s", (_case, makeLog) => {
  test.each<[string, (dir: string) => string[], Record<string, unknown>]>([
    ["init", () => ["init"], { status: "Success", capabilities: { attach: false, fsGroup: false } }],
    ["unmount", (dir) => ["unmount", dir], { status: "Success" }],
    [
      "a refused mount",
      (dir) => ["mount", dir, JSON.stringify(podOptions("db-password", { keyvaultname: "-bad" }))],
      { status: "Failure", message: expect.stringContaining("option keyvaultname") },
    ],
  ])("%s still answers exactly one JSON object, at once", async (_call, args, expected) => {
    const volume = suite.kubelet.newVolume();
    const log = makeLog(join(volume.dir, ".."));
    const result = await suite.kubelet.call(args(volume.dir), volume, { KV_DRIVER_LOG: log }, BOUND);
    expect(result.signal).toBeNull();
    expect(expectSingleJson(result.combined)).toEqual(expected);
  });
});

test("a FIFO someone reads gets not a byte: it is opened, found not to be a file, and closed", async () => {
  const volume = suite.kubelet.newVolume();
  const fifo = join(volume.dir, "..", "log");
  execFileSync("mkfifo", [fifo]);
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const result = await suite.kubelet.mount(volume, podOptions("db-password"), { KV_DRIVER_LOG: fifo }, BOUND);
    expect(expectSingleJson(result.combined)).toEqual({ status: "Success" });
    let read = 0;
    try {
      read = readSync(reader, Buffer.alloc(4096));
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe("EAGAIN"); // nothing written
    }
    expect(read).toBe(0);
  } finally {
    closeSync(reader);
  }
});

test("every line of a mount names the call, its <dir> and the pod; of an unmount, the call and <dir>", async () => {
  const volume = suite.kubelet.newVolume();
  const result = await suite.kubelet.mount(volume, podOptions("db-password", {}, volume.podUid));
  expect(expectSingleJson(result.combined)).toEqual({ status: "Success" });
  const mountLines = suite.kubelet.logEvents(volume);
  expect(mountLines.map((line) => line.event)).toEqual(
    expect.arrayContaining(["call", "fetching", "mounted", "done", "answer"]),
  );
  for (const line of mountLines)
    expect(line).toMatchObject({ call: "mount", dir: volume.dir, pod: "shop/cart-0", podUid: volume.podUid });

  expect((await suite.kubelet.unmount(volume)).json).toEqual({ status: "Success" });
  const unmountLines = suite.kubelet.logEvents(volume).slice(mountLines.length);
  expect(unmountLines.map((line) => line.event)).toEqual(["call", "unmounted", "done", "answer"]);
  for (const line of unmountLines) expect(line).toMatchObject({ call: "unmount", dir: volume.dir });
  expect(suite.kubelet.log(volume)).not.toContain("s3cr3t-value");
  expect(suite.kubelet.log(volume)).not.toContain(suite.sp.clientSecret);
});

test("a refused mount's lines name the pod too, and never a secret", async () => {
  const volume = suite.kubelet.newVolume();
  const result = await suite.kubelet.mount(
    volume,
    podOptions("db-password", { keyvaultobjecttypes: "password" }, volume.podUid),
  );
  expect(expectSingleJson(result.combined)).toMatchObject({ status: "Failure" });
  const lines = suite.kubelet.logEvents(volume);
  expect(lines.map((line) => line.event)).toEqual(["call", "failed", "answer"]);
  for (const line of lines)
    expect(line).toMatchObject({ call: "mount", dir: volume.dir, pod: "shop/cart-0", podUid: volume.podUid });
  expect(suite.kubelet.log(volume)).not.toContain(suite.sp.clientSecret);
  expect(suite.kubelet.log(volume)).not.toContain(Buffer.from(suite.sp.clientSecret).toString("base64"));
});

test("each object that failed is logged at error, with its cause", async () => {
  const volume = suite.kubelet.newVolume();
  suite.azure.resetStats();
  const result = await suite.kubelet.mount(volume, podOptions("db-password;no-such-secret;gone-too"));
  expect(expectSingleJson(result.combined)).toMatchObject({
    status: "Failure",
    message: expect.stringContaining("2 object(s)"),
  });
  expect(findMount(volume.dir)).toBeUndefined();
  expect(suite.azure.requests.filter((r) => r.service === "keyvault" && r.status === 404)).toHaveLength(2);
  const failed = suite.kubelet.logEvents(volume).filter((line) => line.event === "object-failed");
  // In the order they failed: concurrent requests.
  const byObject = failed
    .map(({ level, object, cause }) => ({ level, object, cause }))
    .sort((a, b) => String(a.object).localeCompare(String(b.object)));
  expect(byObject).toEqual(
    ["secret/gone-too", "secret/no-such-secret"].map((object) => ({ level: "error", object, cause: "not found" })),
  );
  for (const line of failed)
    expect(line).toMatchObject({ vault: "contoso-kv", detail: expect.any(String), call: "mount", dir: volume.dir });
});
