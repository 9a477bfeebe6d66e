// Entry point kubelet execs: `kv init | mount <dir> <json-options> | unmount <dir>`, and
// the operator's `kv version` and `kv check`.
// Every call ends with exactly one JSON answer on stdout; nothing else reaches
// stdout or stderr (kubelet parses the combined output).
import { writeSync } from "node:fs";
import { callContext } from "./callContext";
import { NotSupportedError } from "./errors";
import { answerFor, DriverAnswer, exitCodeFor, INIT_ANSWER, SUCCESS, versionAnswer } from "./flexvolume";
import { networkEnvironment } from "./http/networkEnvironment";
import { addLogContext, log, messageOf, stopLogging } from "./log";
import { HELP, HELP_CALLS, USAGE } from "./usage";
import { DRIVER_VERSION } from "./version";

let answered = false;

/**
 * The one way to kubelet: straight to fd 1, without the stdout stream (about 1 ms to
 * create). Should something have made that stream, fd 1 is non-blocking: a full pipe then
 * takes the answer in parts, as kubelet reads.
 */
function writeAnswer(text: string): void {
  const bytes = Buffer.from(text);
  for (let written = 0; written < bytes.length;) {
    try {
      written += writeSync(1, bytes, written);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

/** The single writer of the driver's answer. */
function answer(result: DriverAnswer): never {
  if (!answered) {
    answered = true;
    try {
      writeAnswer(JSON.stringify(result) + "\n");
    } catch (error) {
      // kubelet closed the pipe: nobody is left to tell but the log.
      log.error("answer-unwritable", { error: messageOf(error) });
    }
  }
  log.info("answer", { status: result.status, ...("message" in result ? { message: result.message } : {}) });
  process.exit(exitCodeFor(result));
}

function diverted(stream: NodeJS.WriteStream, name: string): NodeJS.WriteStream {
  stream.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
    log.debug("stray-output", { stream: name, text: String(chunk).slice(0, 2000) });
    const callback = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
    callback?.();
    return true;
  };
  return stream;
}

/**
 * Everything else written to stdout or stderr (Node warnings, console calls, a library's
 * verbose logging switched on in kubelet's environment) goes to the log instead. Node
 * makes each stream when it is first asked for; it still is, and comes out diverted.
 */
function divertStrayOutput(): void {
  for (const name of ["stdout", "stderr"] as const) {
    const makeStream = Object.getOwnPropertyDescriptor(process, name)?.get?.bind(process) as () => NodeJS.WriteStream;
    let stream: NodeJS.WriteStream | undefined;
    Object.defineProperty(process, name, {
      configurable: true,
      enumerable: true,
      get: () => (stream ??= diverted(makeStream(), name)),
    });
  }
  process.removeAllListeners("warning");
  process.on("warning", (w) => log.warn("node-warning", { name: w.name, message: w.message }));
  process.on("uncaughtException", (error) => answer(answerFor(error)));
  process.on("unhandledRejection", (error) => answer(answerFor(error)));
}

async function run(work: () => Promise<DriverAnswer>): Promise<never> {
  const started = Date.now();
  log.info("call");
  try {
    const result = await work();
    log.info("done", { ms: Date.now() - started });
    return answer(result);
  } catch (error) {
    log.error("failed", { ms: Date.now() - started, error: messageOf(error) });
    return answer(answerFor(error));
  }
}

/**
 * kubelet's calls, and `version`, answered the same way: a fixed positional protocol, so no
 * argument parser on the pod start-up path.
 */
function kubeletCall(call: string | undefined, args: string[]): Promise<never> {
  // Every line of the call names it (and its <dir>, and a mount's pod), the first one too.
  addLogContext(callContext(call, args));
  switch (call) {
    case "init":
      return run(async () => INIT_ANSWER);
    case "version":
      return run(async () => versionAnswer(DRIVER_VERSION));
    case "mount":
      return run(async () => {
        // Loaded lazily: init and unmount never pay for the Azure SDK.
        const { mountVolume } = await import("./mount");
        await mountVolume(args[0], args[1]);
        return SUCCESS;
      });
    case "unmount":
      return run(async () => {
        const { unmountVolume } = await import("./unmount");
        await unmountVolume(args[0]);
        return SUCCESS;
      });
    default:
      // attach, detach, waitforattach, getvolumename, ...: kubelet falls back to its defaults.
      return run(async () => {
        throw new NotSupportedError(call ? `call '${call}' is not supported; ${USAGE}` : USAGE);
      });
  }
}

async function main([call, ...args]: string[]): Promise<void> {
  // A person asking; kubelet never calls these.
  if (HELP_CALLS.has(call)) {
    stopLogging();
    process.stdout.write(HELP);
    process.exit(0);
  }
  // Before anything connects: the proxy variables and NODE_TLS_REJECT_UNAUTHORIZED are read and removed.
  networkEnvironment();
  // `kv check` is an operator's command that talks to a terminal; every other call is kubelet's.
  if (call === "check") {
    stopLogging();
    const { runCheck } = await import("./check/command");
    process.exit(await runCheck(args));
  }
  // `kv refresh`, the node's refresher, runs in the installer's DaemonSet and logs to its own output.
  if (call === "refresh") {
    const { runRefresh } = await import("./refresher/command");
    process.exit(await runRefresh(args));
  }
  divertStrayOutput();
  await kubeletCall(call, args);
}

void main(process.argv.slice(2));
