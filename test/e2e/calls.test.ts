// The FlexVolume calls other than a real mount, exactly as kubelet makes them, and the
// operator's `kv version`.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import packageJson from "../../package.json";
import { expectSingleJson, runDriver } from "../support/driver";
import { Kubelet } from "../support/kubelet";

const kubelet = new Kubelet({});
afterAll(() => kubelet.cleanUp());

test("init answers Success without attach or kubelet's fsGroup handling, and nothing else", async () => {
  const result = await kubelet.call(["init"]);
  expect(result.combined).toBe('{"status":"Success","capabilities":{"attach":false,"fsGroup":false}}\n');
  expect(result.code).toBe(0);
});

test("version answers the driver's version and the Node.js it runs on: the pinned one", async () => {
  const pinnedNode = (packageJson.optionalDependencies as Record<string, string>)[`node-linux-${process.arch}`];
  const result = await kubelet.call(["version"]);
  expect(result.combined).toBe(`{"status":"Success","version":"${packageJson.version}","node":"v${pinnedNode}"}\n`);
  expect(result.code).toBe(0);
});

test("version loads no Azure SDK, as init does not: a bad mount, which does, shows what that looks like", async () => {
  // A preload of the driver's process that records which of Node's built-in modules it loaded.
  const work = mkdtempSync(join(tmpdir(), "kv-loaded-"));
  try {
    const probe = join(work, "probe.cjs");
    writeFileSync(
      probe,
      'process.on("exit", () => require("node:fs").writeFileSync(process.env.LOADED_OUT, ' +
        "JSON.stringify(process.moduleLoadList)));",
    );
    const loadedBy = async (args: string[]) => {
      const out = join(work, "loaded.json");
      await kubelet.call(args, undefined, { NODE_OPTIONS: `--require ${probe}`, LOADED_OUT: out });
      const loaded = JSON.parse(readFileSync(out, "utf8")) as string[];
      return ["https", "tls"].filter((name) => loaded.includes(`NativeModule ${name}`));
    };
    expect(await loadedBy(["version"])).toEqual([]);
    expect(await loadedBy(["init"])).toEqual([]);
    expect(await loadedBy(["mount", kubelet.newVolume().dir, "{}"])).toEqual(["https", "tls"]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test.each([
  "attach",
  "detach",
  "waitforattach",
  "isattached",
  "mountdevice",
  "unmountdevice",
  "getvolumename",
  "expandvolume",
  "nodeexpand",
])("%s answers Not supported with exit 1, so kubelet falls back to its defaults", async (call) => {
  const result = await kubelet.call([call, "{}", "node-1"]);
  expect(expectSingleJson(result.combined)).toEqual({
    status: "Not supported",
    message: expect.stringContaining(`'${call}'`),
  });
  expect(result.code).toBe(1);
});

const COMMANDS = [
  "kv init",
  "kv mount <dir>",
  "kv unmount <dir>",
  "kv version",
  "kv check <manifest>",
  "kv refresh",
  "kv help",
];

test("no call at all, or an unknown flag, is Not supported too, its usage naming every command", async () => {
  for (const args of [[], ["-v"], ["frobnicate"]]) {
    const result = await kubelet.call(args);
    const { message } = expectSingleJson(result.combined) as { message: string };
    expect(expectSingleJson(result.combined)).toMatchObject({ status: "Not supported" });
    for (const command of COMMANDS) expect(message).toContain(command);
    expect(result.code).toBe(1);
  }
});

test.each([["help"], ["--help"], ["-h"]])("kv %s explains every command to a person, exit 0", async (flag) => {
  const result = await kubelet.call([flag]);
  expect(result.code).toBe(0);
  expect(result.combined.startsWith("usage: kv init | ")).toBe(true);
  for (const command of COMMANDS) expect(result.combined).toContain(command);
  expect(result.combined).toContain("kv check --help");
  // kubelet never calls `kv version` (docs/contract.md): it is an operator's command.
  const [, kubeletCalls, forOperators] = result.combined.split(/Calls kubelet makes|For operators:/);
  expect(kubeletCalls).not.toContain("kv version");
  expect(forOperators).toContain("kv version");
});

test("unmount of a directory that is not mounted succeeds and leaves the directory to kubelet", async () => {
  const volume = kubelet.newVolume();
  const result = await kubelet.unmount(volume);
  expect(expectSingleJson(result.combined)).toEqual({ status: "Success" });
  expect(result.code).toBe(0);
  // Only a directory the driver unmounted is removed; kubelet removes the rest after unmount.
  expect(existsSync(volume.dir)).toBe(true);
  // kubelet retries unmounts: the second one must succeed as well.
  expect((await kubelet.unmount(volume)).json).toEqual({ status: "Success" });
});

test(
  "when kubelet is gone before the answer, the call still does its work, exits as it would have answered, " +
    "and logs why",
  async () => {
    const volume = kubelet.newVolume();
    // stdout is a pipe nobody reads any more (perl is part of every Debian).
    const deadPipe = ["perl", "-e", 'pipe(R, W) or die; close R; open(STDOUT, ">&", \\*W) or die; exec @ARGV or die'];
    const result = await runDriver(["unmount", volume.dir], kubelet.env(volume), { wrapper: deadPipe });
    expect(result.combined).toBe("");
    expect(result.code).toBe(0);
    const events = readFileSync(volume.logFile, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { event: string; status?: string });
    expect(events.map((e) => e.event)).toEqual(["call", "not-mounted", "done", "answer-unwritable", "answer"]);
    expect(events.at(-1)?.status).toBe("Success");
  },
);

test("unmount without a directory fails with a usage message", async () => {
  const result = await kubelet.call(["unmount"]);
  expect(expectSingleJson(result.combined)).toEqual({ status: "Failure", message: expect.stringContaining("<dir>") });
  expect(result.code).toBe(1);
});

test("a log file that cannot be written does not break a call", async () => {
  const result = await kubelet.call(["init"], undefined, { KV_DRIVER_LOG: "/proc/version/not-a-dir/kv.log" });
  expect(result.combined).toBe('{"status":"Success","capabilities":{"attach":false,"fsGroup":false}}\n');
});

test("libraries' debug output switched on in kubelet's environment goes to the log, never to kubelet", async () => {
  const volume = kubelet.newVolume();
  const options = {
    keyvaultname: "contoso-kv",
    keyvaultobjectnames: "db-password",
    keyvaultobjecttypes: "secret",
    tenantid: "72f988bf-86f1-41af-91ab-2d7cd011db47",
    "kubernetes.io/secret/clientid": Buffer.from("3f1c9a52-7d4e-4b6a-9c0b-2e1d3c4b5a69").toString("base64"),
    "kubernetes.io/secret/clientsecret": Buffer.from("secret").toString("base64"),
    mounttimeout: "2",
  };
  const noisy = {
    DEBUG: "*",
    AZURE_LOG_LEVEL: "verbose",
    TYPESPEC_RUNTIME_LOG_LEVEL: "verbose",
    HTTPS_PROXY: "http://proxyuser:proxy-password@127.0.0.1:9",
  };
  const result = await kubelet.mount(volume, options, noisy);
  expect(expectSingleJson(result.combined)).toMatchObject({ status: "Failure" });
  const log = kubelet.log(volume);
  expect(log).toContain('"event":"stray-output"');
  expect(log).not.toContain("proxy-password");
});
