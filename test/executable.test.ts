// The driver executable as a node gets it: built by `npm run build`, installed by
// installer/install.sh, run where Node.js cannot be reached, and answering every call
// exactly as `node dist/kv.js` does.
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import packageJson from "../package.json";
import { generateCertificateChain, generateKeyPair } from "../standin/fixtures";
import { makeVolumeDir } from "../standin/kubeletCall";
import { startAzureStandIn } from "../standin/standIn";
import { installDriver } from "./installerProcess";
import { runDriver } from "./support/driver";

const REPO = resolve(__dirname, "..");
const BUNDLE = resolve(REPO, "dist/kv.js");
const EXECUTABLE = resolve(REPO, "dist/azure~kv/kv");
const INIT_ANSWER = '{"status":"Success","capabilities":{"attach":false,"fsGroup":false}}';
/** The Node.js the executable must embed: the node-linux-<cpu> package pinned in package.json. */
const PINNED_NODE = `v${(packageJson.optionalDependencies as Record<string, string>)[`node-linux-${process.arch}`]}`;

let work: string;
let installed: string;
let logFile: string;

beforeAll(async () => {
  for (const built of [BUNDLE, EXECUTABLE]) {
    if (!existsSync(built)) throw new Error(`${built} is missing: run npm run build (npm test does)`);
  }
  work = mkdtempSync(join(tmpdir(), "kv-executable-"));
  logFile = join(work, "kv-driver.log");
  const pluginDir = join(work, "volumeplugins"); // kubelet creates it on a node
  mkdirSync(pluginDir);
  installed = await installDriver(pluginDir, EXECUTABLE);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A volume dir `name` of a new pod, as kubelet creates it before each mount. */
function freshDir(name: string): string {
  return makeVolumeDir(join(work, "kubelet"), name);
}

test("the bundle requires and imports nothing but Node's built-in modules", () => {
  // Any other runtime require() is answered by the single executable with a warning on
  // stderr (and an exception), an import() with an exception: bundle.mjs must bundle or
  // omit every module.
  const required = [...readFileSync(BUNDLE, "utf8").matchAll(/\b(?:require|import)\("([^"]+)"\)/g)].map(([, id]) => id);
  const builtins = new Set(builtinModules.flatMap((id) => [id, `node:${id}`]));
  expect(required.filter((id) => !builtins.has(id))).toEqual([]);
});

describe("with Node.js unreachable", () => {
  /** Where the driver's PATH points: only the tools it runs (mount, umount), no node. */
  let tools: string;

  beforeAll(() => {
    tools = join(work, "tools");
    mkdirSync(tools);
    for (const tool of ["mount", "umount"]) symlinkSync(onPath(tool)!, join(tools, tool));
  });

  test("the installed driver answers init, and prints nothing else", async () => {
    const run = await runWithoutNode("call init init", { KV_DRIVER_LOG: logFile });

    expect(run.answer("init")).toEqual({ code: 0, combined: `${INIT_ANSWER}\n` });
  });

  test("the installed driver reports its version and the pinned Node.js it embeds", async () => {
    const run = await runWithoutNode("call version version", { KV_DRIVER_LOG: logFile });

    const answer = `{"status":"Success","version":"${packageJson.version}","node":"${PINNED_NODE}"}\n`;
    expect(run.answer("version")).toEqual({ code: 0, combined: answer });
  });

  // The full mount: real Azure SDK calls through the stand-ins' proxy, a tmpfs, the files.
  test("the installed driver mounts a vault's secret, key and certificate, and unmounts them", async () => {
    const azure = await startAzureStandIn();
    try {
      const principal = azure.addServicePrincipal();
      const vault = azure.addVault("shipping-vault");
      const rsa = generateKeyPair("RSA-2048");
      const certificate = await generateCertificateChain("RSA-2048");
      vault.addSecret("db-password", "correct horse battery staple");
      vault.addKey("tls-key", rsa.privateKey);
      vault.addCertificate("tls-cert", {
        leaf: certificate.leaf,
        chain: certificate.chain,
        key: certificate.leafKey.privateKey,
      });
      vault.grant(principal.clientId);
      const base64 = (text: string) => Buffer.from(text).toString("base64");
      const options = {
        keyvaultname: "shipping-vault",
        keyvaultobjectnames: "db-password;tls-key;tls-cert",
        keyvaultobjecttypes: "secret;key;cert",
        tenantid: azure.tenantId,
        "kubernetes.io/secret/clientid": base64(principal.clientId),
        "kubernetes.io/secret/clientsecret": base64(principal.clientSecret),
        "kubernetes.io/pod.name": "nginx-flex-kv",
        "kubernetes.io/pod.namespace": "default",
      };

      // The tmpfs lives in the private mount namespace, so its files are copied out before unmount.
      const run = await runWithoutNode(
        'call mount mount "$VOLUME" "$OPTIONS"; mkdir "$OUT/files"; cp "$VOLUME"/* "$OUT/files/"; call unmount ' +
          'unmount "$VOLUME"',
        {
          ...azure.env,
          KV_DRIVER_LOG: logFile,
          KV_STATE_DIR: join(work, "state"),
          VOLUME: freshDir("volume"),
          OPTIONS: JSON.stringify(options),
        },
      );

      expect(run.answer("mount")).toEqual({ code: 0, combined: '{"status":"Success"}\n' });
      expect(run.file("files/db-password").toString()).toBe("correct horse battery staple");
      expect(run.file("files/tls-key").toString()).toBe(rsa.publicJwk.n);
      expect(run.file("files/tls-cert")).toEqual(certificate.leaf);
      expect(run.answer("unmount")).toEqual({ code: 0, combined: '{"status":"Success"}\n' });
      expect(azure.stats("keyvault").requests).toBeGreaterThan(0);
    } finally {
      await azure.close();
    }
  });

  /** Every node binary this test could reach: this one and any `node` on PATH, by real path. */
  function nodeBinaries(): string[] {
    const candidates = [process.execPath, ...pathDirs().map((dir) => join(dir, "node"))];
    return [...new Set(candidates.filter((file) => existsSync(file)).map((file) => realpathSync(file)))];
  }

  interface NodelessRun {
    /** A driver call's exit code and combined stdout+stderr (what kubelet parses). */
    answer(call: string): { code: number; combined: string };
    file(path: string): Buffer;
  }

  /**
   * Runs `steps` (sh) in a private mount namespace where every node binary is /dev/null.
   * In `steps`, `call NAME ARGS...` runs the installed driver with PATH=tools and records its
   * answer under NAME; $OUT is a directory that outlives the namespace.
   */
  async function runWithoutNode(steps: string, env: Record<string, string>): Promise<NodelessRun> {
    const out = mkdtempSync(join(work, "out-"));
    const script = [
      "set -eu",
      'for node in "$@"; do mount --bind /dev/null "$node"; done',
      'for node in "$@"; do if "$node" -e 0 2>/dev/null; then echo "still runs: $node" >&2; exit 97; fi; done',
      'call() { name=$1; shift; rc=0; PATH="$TOOLS" "$KV" "$@" >"$OUT/$name.out" 2>&1 || rc=$?; echo "$rc" ' +
        '>"$OUT/$name.rc"; }',
      steps,
    ].join("\n");
    expect(readdirSync(tools).sort()).toEqual(["mount", "umount"]); // no node among them

    // async: the stand-ins answering the driver live in this process.
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((done, fail) => {
      const child = spawn(
        "unshare",
        ["--mount", "--propagation", "private", "sh", "-c", script, "sh", ...nodeBinaries()],
        {
          env: { PATH: process.env.PATH, ...env, KV: installed, OUT: out, TOOLS: tools },
          stdio: ["ignore", "ignore", "pipe"],
        },
      );
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("error", fail);
      child.on("close", (exitCode) => done({ code: exitCode, stderr }));
    });
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });

    return {
      answer: (call) => ({
        code: Number(readFileSync(join(out, `${call}.rc`), "utf8")),
        combined: readFileSync(join(out, `${call}.out`), "utf8"),
      }),
      file: (path) => readFileSync(join(out, path)),
    };
  }
});

describe("answers exactly like node dist/kv.js", () => {
  const calls: [string, () => string[]][] = [
    ["init", () => ["init"]],
    ["version", () => ["version"]],
    ["an unsupported call (attach)", () => ["attach", '{"kubernetes.io/fsType":"ext4"}', "node-1"]],
    ["a call kubelet never makes (--version)", () => ["--version"]],
    ["no call at all", () => []],
    ["mount without options", () => ["mount", freshDir("bare")]],
    ["mount with options that are not JSON", () => ["mount", freshDir("notjson"), "{keyvaultname: contoso-kv"]],
    [
      "mount with a bad vault name",
      () => [
        "mount",
        freshDir("badname"),
        JSON.stringify({
          keyvaultname: "-contoso",
          keyvaultobjectnames: "a",
          keyvaultobjecttypes: "secret",
          tenantid: "8d2f6b1e-4a3c-4f5d-9e7b-1c2a3b4d5e6f",
        }),
      ],
    ],
    ["unmount of a directory that is not mounted", () => ["unmount", freshDir("notmounted")]],
  ];

  test.each(calls)("%s", async (_call, args) => {
    // A state dir of the test's own: a mount takes its lock there, not in the machine's /run/kv-flexvol.
    const env = { KV_DRIVER_LOG: logFile, KV_STATE_DIR: join(work, "state") };
    const viaNode = await runDriver(args(), env, { driver: BUNDLE });
    const viaExecutable = await runDriver(args(), env, { driver: installed });

    expect(viaNode.json).toBeDefined(); // one JSON document, nothing else
    expect({ code: viaExecutable.code, combined: viaExecutable.combined }).toEqual({
      code: viaNode.code,
      combined: viaNode.combined,
    });
  });
});

function pathDirs(): string[] {
  return (process.env.PATH ?? "").split(delimiter).filter(Boolean);
}

function onPath(command: string): string | undefined {
  return pathDirs()
    .map((dir) => join(dir, command))
    .find((file) => existsSync(file));
}
