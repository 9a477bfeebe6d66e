// What scripts/bundle.mjs changes in the driver's bundle, checked on small bundles it
// builds the same way: built-in modules that load at their first use, whichever way the
// bundled code imports them; the SDK's request ids without Web Crypto; and the modules it
// switches off.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const REPO = resolve(__dirname, "..");
let work: string;

beforeAll(() => {
  // Inside the project, so the entries resolve its dependencies.
  mkdirSync(join(REPO, "node_modules/.cache"), { recursive: true });
  work = mkdtempSync(join(REPO, "node_modules/.cache/kv-bundle-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Bundles `source` (TypeScript) with the driver's bundler, runs it, returns what it printed as JSON. */
function bundleAndRun(name: string, source: string): unknown {
  const entry = join(work, `${name}.ts`);
  const outfile = join(work, `${name}.js`);
  writeFileSync(entry, source);
  const build =
    `import(${JSON.stringify(join(REPO, "scripts/bundle.mjs"))}).then((m) => ` +
    `m.bundle(${JSON.stringify(entry)}, ${JSON.stringify(outfile)}))`;
  execFileSync(process.execPath, ["-e", build], { cwd: REPO });
  return JSON.parse(execFileSync(process.execPath, [outfile], { encoding: "utf8" }));
}

const loaded = `(name: string) => process.moduleLoadList.includes("NativeModule " + name)`;

test("zlib, assert and fs/promises load when first used, through default, namespace and named imports", () => {
  const result = bundleAndRun(
    "firstUse",
    `
    import zlib from "node:zlib";
    import * as zlibNamespace from "zlib";
    import { gzipSync } from "node:zlib";
    import assert from "assert";
    import { readFile } from "node:fs/promises";
    const loaded = ${loaded};
    const before = ["zlib", "assert", "fs/promises"].filter(loaded);
    const roundTrip = zlib.gunzipSync(zlibNamespace.gzipSync(gzipSync("x"))).toString("hex");
    let assertion = "";
    try {
      assert(false, "refused");
    } catch (error) {
      assertion = (error as Error).name + ": " + (error as Error).message;
    }
    // A legacy constant Node keeps non-enumerable, and a property set on the stand-in.
    const legacyConstant = (zlibNamespace as unknown as Record<string, number>).Z_SYNC_FLUSH;
    (zlib as unknown as Record<string, string>).setByBundle = "kept";
    const setOnRealModule = (process.getBuiltinModule("zlib") as unknown as Record<string, string>).setByBundle;
    readFile(${JSON.stringify(__filename)}, "utf8").then((text) =>
      console.log(JSON.stringify({
        before, roundTrip, assertion, legacyConstant, setOnRealModule,
        read: text.length > 0, after: ["zlib", "assert", "fs/promises"].filter(loaded),
      })),
    );
    `,
  );
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- what the bundle's own require() sees
  const zlib = require("node:zlib");
  expect(result).toEqual({
    before: [],
    roundTrip: Buffer.from(zlib.gzipSync("x")).toString("hex"),
    assertion: "AssertionError: refused",
    legacyConstant: zlib.Z_SYNC_FLUSH,
    setOnRealModule: "kept",
    read: true,
    after: ["zlib", "assert", "fs/promises"],
  });
});

test("the SDK's request ids are random v4 UUIDs made without loading Web Crypto", () => {
  const result = bundleAndRun(
    "requestIds",
    `
    import { createPipelineRequest } from "@azure/core-rest-pipeline";
    const ids = [1, 2, 3].map(() => createPipelineRequest({ url: "https://example.vault.azure.net/" }).requestId);
    console.log(JSON.stringify({ ids, webCrypto: (${loaded})("internal/crypto/webcrypto") }));
    `,
  ) as { ids: string[]; webCrypto: boolean };
  expect(result.webCrypto).toBe(false);
  expect(new Set(result.ids).size).toBe(3);
  for (const id of result.ids)
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test("debug is switched off: DEBUG in the environment prints nothing and creates no stderr stream", () => {
  const entry = `
    import createDebug from "debug";
    const log = createDebug("https-proxy-agent");
    log("a line that must not appear");
    console.log(JSON.stringify({ enabled: log.enabled, tty: (${loaded})("tty") }));
  `;
  const previous = process.env.DEBUG;
  process.env.DEBUG = "*";
  try {
    expect(bundleAndRun("debugOff", entry)).toEqual({ enabled: false, tty: false });
  } finally {
    if (previous === undefined) delete process.env.DEBUG;
    else process.env.DEBUG = previous;
  }
});

test(
  "the SDK reads the global FormData on a request, which " + "loads undici; the speed door's patch keeps it unloaded",
  () => {
    const requestFrom = (name: string, patch: string) =>
      bundleAndRun(
        name,
        `
      import { createServer } from "node:http";
      import {
        createDefaultHttpClient, createPipelineFromOptions, createPipelineRequest,
      } from "@azure/core-rest-pipeline";
      ${patch}
      const server = createServer((_req, res) => res.end("{}")).listen(0, "127.0.0.1", async () => {
        const url = "http://127.0.0.1:" + (server.address() as { port: number }).port + "/";
        const pipeline = createPipelineFromOptions({});
        const request = createPipelineRequest({ url, allowInsecureConnection: true });
        const { status } = await pipeline.sendRequest(createDefaultHttpClient(), request);
        server.close();
        console.log(JSON.stringify({ status, undici: (${loaded})("internal/deps/undici/undici") }));
      });
      `,
      );
    // Without the patch the SDK's formDataPolicy loads undici: when it no longer does, the patch has nothing left to
    // save.
    expect(requestFrom("formDataAsIs", "")).toEqual({ status: 200, undici: true });
    const patch =
      `import { ` +
      `keepUndiciUnloaded } from ${JSON.stringify(join(REPO, "src/speed/keepUndiciUnloaded"))}; keepUndiciUnloaded();`;
    expect(requestFrom("formDataDeleted", patch)).toEqual({ status: 200, undici: false });
  },
);
