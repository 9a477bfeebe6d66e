// Bundles a CLI entry point and everything it imports into one CommonJS file.
// CommonJS because a Node single executable can only run a CommonJS main script,
// and one file because its require() reaches built-in modules only.
import { build } from "esbuild";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/**
 * Modules the driver never uses, replaced in the bundle by what they export when switched
 * off. `jsonwebtoken` (with semver and lodash) is MSAL's, used only to sign
 * client-certificate assertions, which the driver never makes: about 10 ms per mount.
 * `open` is @azure/identity's, to open a browser for interactive sign-in; its helpers
 * probe /proc for WSL and containers as they load. `debug` is the proxy agents' logging:
 * it creates the stderr stream as it loads, and output it wrote on a DEBUG switched on in
 * kubelet's environment would only be diverted to the log (cli.ts). Without it, its
 * optional `supports-color`, which the single executable would answer with a warning on
 * stderr, is gone too. `proxy-agent-negotiate` is https-proxy-agent's Kerberos proxy
 * sign-in, which the driver never asks for; it would import the `kerberos` package.
 */
const SWITCHED_OFF = {
  jsonwebtoken: "module.exports = {};",
  open: "module.exports = {};",
  debug: "module.exports = () => Object.assign(() => {}, { enabled: false });",
  "proxy-agent-negotiate":
    'exports.createNegotiateAuth = () => { throw new Error("Negotiate proxy authentication is not supported"); };',
};

/**
 * Built-in modules loaded at their first use, not as the bundle loads: the SDK's HTTP
 * client loads `zlib` for compressed answers, which the driver never asks for,
 * https-proxy-agent loads `assert` for its proxy's failure path, and @azure/identity
 * `fs/promises` for credentials the driver does not use. About 1 ms each per mount. A
 * call or a property read of the stand-in loads the real module.
 */
const LOADED_ON_FIRST_USE = ["zlib", "assert", "fs/promises"].flatMap((name) => [name, `node:${name}`]);

/**
 * The stand-in answers every way a bundle reads or changes a module (a call, a property,
 * the property list behind `import * as` and named imports, an assignment) and loads the
 * real module only then. Its own property names, enumerable or not, are the build's node's,
 * which is the node the executable embeds.
 */
function lazyModule(name) {
  const real = require(name);
  const own = Object.getOwnPropertyNames(real).filter((key) => !["length", "name", "prototype"].includes(key));
  const enumerable = Object.fromEntries(own.map((key) => [key, Object.getOwnPropertyDescriptor(real, key).enumerable]));
  return `let loaded;
const load = () => (loaded ??= require(${JSON.stringify(name)}));
const enumerable = ${JSON.stringify(enumerable)};
const own = (key) => Object.hasOwn(enumerable, key);
module.exports = new Proxy(() => {}, {
  apply: (_, self, args) => Reflect.apply(load(), self, args),
  get: (_, key) => (key === "__esModule" ? undefined : load()[key]),
  set: (_, key, value) => Reflect.set(load(), key, value),
  defineProperty: (_, key, descriptor) => Reflect.defineProperty(load(), key, { ...descriptor, configurable: true }),
  deleteProperty: (_, key) => Reflect.deleteProperty(load(), key),
  has: (_, key) => own(key) || key in load(),
  ownKeys: () => Object.keys(enumerable),
  getOwnPropertyDescriptor: (_, key) =>
    own(key) ? { configurable: true, enumerable: enumerable[key], get: () => load()[key] } : undefined,
});`;
}

/**
 * The SDK's request ids come from the global `crypto` (Web Crypto), which Node (20 and 26
 * alike) loads when it is first read: about 0.75 ms per mount on Node 20. node:crypto,
 * loaded anyway, makes the same random UUIDs.
 */
const REQUEST_IDS = /@typespec[\\/]ts-http-runtime[\\/]dist[\\/]esm[\\/]util[\\/]uuidUtils\.js$/;

const exact = (names) => new RegExp(`^(${names.map((name) => name.replace(/[/:]/g, "\\$&")).join("|")})$`);

const replaceModules = {
  name: "replace-modules",
  setup(b) {
    b.onResolve({ filter: exact(Object.keys(SWITCHED_OFF)) }, (args) => ({
      path: args.path,
      namespace: "switched-off",
    }));
    b.onLoad({ filter: /.*/, namespace: "switched-off" }, (args) => ({ contents: SWITCHED_OFF[args.path] }));
    // The stand-in's own require reaches the real module.
    b.onResolve({ filter: exact(LOADED_ON_FIRST_USE) }, (args) =>
      args.namespace === "first-use" ? undefined : { path: args.path, namespace: "first-use" },
    );
    b.onLoad({ filter: /.*/, namespace: "first-use" }, (args) => ({ contents: lazyModule(args.path) }));
    b.onLoad({ filter: REQUEST_IDS }, () => ({ contents: 'export { randomUUID } from "node:crypto";' }));
  },
};

/** src/version.ts: the executable has no package.json to read the driver's version from. */
const DRIVER_VERSION = require("../package.json").version;

export async function bundle(entry, outfile) {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    target: "node26",
    format: "cjs",
    minify: true,
    sourcemap: false,
    legalComments: "none",
    logLevel: "warning",
    plugins: [replaceModules],
    define: { KV_DRIVER_VERSION: JSON.stringify(DRIVER_VERSION) },
  });
}
