// What scripts/bundle.mjs changes in the driver's bundle: the modules it switches off, each
// still imported by the driver's dependencies and none of them bundled, and small bundles
// built the same way for what the switched-off debug and the speed door's patch do.
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

/** The driver's own bundle of src/cli.ts: what bundle.mjs switches off, and what went in (esbuild's metafile). */
function driverBundle(): { switchedOff: string[]; inputs: string[] } {
  const [bundler, entry, outfile] = [join(REPO, "scripts/bundle.mjs"), join(REPO, "src/cli.ts"), join(work, "cli.js")];
  const build = `import(${JSON.stringify(bundler)}).then(async ({ bundle, SWITCHED_OFF }) => {
    const { inputs } = await bundle(${JSON.stringify(entry)}, ${JSON.stringify(outfile)});
    process.stdout.write(JSON.stringify({ switchedOff: Object.keys(SWITCHED_OFF), inputs: Object.keys(inputs) }));
  })`;
  return JSON.parse(execFileSync(process.execPath, ["-e", build], { cwd: REPO, encoding: "utf8" }));
}

test("every switched-off module is one the dependencies import, and its real code is not in the bundle", () => {
  const { switchedOff, inputs } = driverBundle();
  expect(switchedOff.length).toBeGreaterThan(0);
  for (const name of switchedOff) {
    // A stub nothing imports any more (the dependency dropped or renamed the module) replaces nothing: remove it.
    expect({ name, met: inputs.includes(`switched-off:${name}`) }).toEqual({ name, met: true });
    expect(inputs.filter((path) => path.includes(`node_modules/${name}/`))).toEqual([]);
  }
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
