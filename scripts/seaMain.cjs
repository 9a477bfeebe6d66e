"use strict";
// The main script of the driver executable (scripts/buildExecutable.mjs). The bundle,
// dist/kv.js, is not the main script but an asset beside its own V8 code cache, because
// V8 deserialises the main script's code cache at every start: about 4 ms for the 1 MB
// bundle, which is what kept `init`, run at every probe of the plugin directory, above
// 1.15x of a bare node start. So this script answers `init` itself, and runs the bundle
// for every other call. Plain CommonJS, no dependencies: it is not bundled.
const { isSea } = require("node:sea");

// Byte for byte what src/cli.ts answers and logs for init; test/executable.test.ts
// checks the answer against `node dist/kv.js init`.
function answerInit() {
  const logFile = process.env.KV_DRIVER_LOG || "/var/log/kv-driver.log";
  const line = (event, fields) =>
    JSON.stringify({
      time: new Date().toISOString(),
      level: "info",
      pid: process.pid,
      event,
      call: "init",
      ...fields,
    }) + "\n";
  const lines = line("call", {}) + line("done", { ms: 0 }) + line("answer", { status: "Success" });
  appendToLog(logFile, lines);
  process.stdout.write('{"status":"Success","capabilities":{"attach":false,"fsGroup":false}}\n');
}

// As src/log.ts writes: only to a regular file, opened non-blocking (a FIFO must not hang
// init, run at every probe) and checked after opening; an unwritable log never breaks the answer.
function appendToLog(logFile, text) {
  const { closeSync, constants: c, fstatSync, openSync, writeSync } = require("node:fs");
  let fd;
  try {
    fd = openSync(logFile, c.O_WRONLY | c.O_APPEND | c.O_CREAT | c.O_NONBLOCK | c.O_NOCTTY, 0o600);
    const stats = fstatSync(fd);
    const isAnswer = [1, 2].some((stream) => {
      try {
        const answer = fstatSync(stream);
        return answer.dev === stats.dev && answer.ino === stats.ino;
      } catch {
        return false;
      }
    });
    if (stats.isFile() && !isAnswer) writeSync(fd, text);
  } catch {
    // no log for this call
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

// The bundle runs as Node runs a CommonJS file: in a function given its module's
// variables. `require` is the single executable's, which reaches built-in modules only,
// all the bundle needs. The wrapping is the same at build time and at run time because
// V8 accepts a code cache only for the exact source it was made from.
function compile(bundle, cachedData) {
  const { Script } = require("node:vm");
  const source = `(function (exports, require, module, __filename, __dirname) {${bundle}\n})`;
  return new Script(source, { filename: "kv.js", cachedData });
}

function run(script) {
  script.runInThisContext()(exports, require, module, __filename, __dirname);
}

/**
 * Build time, under the node that builds the executable: `node seaMain.cjs <bundle>
 * <cache file> <call...>` runs the bundle for `call` and writes its code cache when the
 * call exits. V8 compiles a function when it is first called and the cache holds what
 * was compiled by then, so the build's training mount (trainingMount.ts) puts a whole
 * mount's code in the cache.
 */
function makeCodeCache() {
  const { readFileSync, writeFileSync } = require("node:fs");
  const [bundle, cacheFile, ...call] = process.argv.slice(2);
  const script = compile(readFileSync(bundle, "utf8"));
  process.on("exit", () => writeFileSync(cacheFile, script.createCachedData()));
  process.argv = [process.argv[0], bundle, ...call];
  run(script);
}

if (!isSea()) {
  makeCodeCache();
} else if (process.argv[2] === "init") {
  answerInit();
} else {
  const { getAsset } = require("node:sea");
  const script = compile(getAsset("kv.js", "utf8"), Buffer.from(getAsset("kv.js.cache")));
  // A rejected cache (not made by this node binary) only costs time: V8 compiles instead.
  run(script);
}
