// Entry point kubelet execs: `kv init | mount <dir> <json-options> | unmount <dir>`.
// Every call ends with exactly one JSON answer on stdout; nothing else reaches
// stdout or stderr (kubelet parses the combined output).
import type { Command } from "commander";
import { NotSupportedError } from "./errors";
import { answerFor, DriverAnswer, exitCodeFor, INIT_ANSWER, SUCCESS } from "./flexvolume";
import { log, messageOf, stopLogging } from "./log";

const USAGE = "usage: kv init | kv mount <dir> <json-options> | kv unmount <dir>";

let answered = false;
// Captured before anything can write: the one way to kubelet.
const writeAnswer = process.stdout.write.bind(process.stdout);

/** The single writer of the driver's answer. */
function answer(result: DriverAnswer): never {
  if (!answered) {
    answered = true;
    // stdout is synchronous for pipes and files on Linux, so exiting right away loses nothing.
    writeAnswer(JSON.stringify(result) + "\n");
  }
  log.info("answer", { status: result.status, ...("message" in result ? { message: result.message } : {}) });
  process.exit(exitCodeFor(result));
}

/**
 * Everything else written to stdout or stderr (Node warnings, console calls, a library's
 * DEBUG or verbose logging switched on in kubelet's environment) goes to the log instead.
 */
function divertStrayOutput(): void {
  for (const stream of ["stdout", "stderr"] as const) {
    process[stream].write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      log.debug("stray-output", { stream, text: String(chunk).slice(0, 2000) });
      const callback = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof process.stdout.write;
  }
  process.removeAllListeners("warning");
  process.on("warning", (w) => log.warn("node-warning", { name: w.name, message: w.message }));
  process.on("uncaughtException", (error) => answer(answerFor(error)));
  process.on("unhandledRejection", (error) => answer(answerFor(error)));
}

async function run(call: string, work: () => Promise<DriverAnswer>): Promise<never> {
  const started = Date.now();
  log.info("call", { call });
  try {
    const result = await work();
    log.info("done", { call, ms: Date.now() - started });
    return answer(result);
  } catch (error) {
    log.error("failed", { call, ms: Date.now() - started, error: messageOf(error) });
    return answer(answerFor(error));
  }
}

function buildProgram(Program: typeof Command): Command {
  const program = new Program("kv")
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined })
    .helpCommand(false)
    .helpOption(false);

  program
    .command("mount")
    .argument("[dir]")
    .argument("[json-options]")
    .allowExcessArguments()
    .action((dir?: string, json?: string) =>
      // Loaded lazily: init and unmount never pay for the Azure SDK.
      run("mount", async () => {
        const { mountVolume } = await import("./mount");
        await mountVolume(dir, json);
        return SUCCESS;
      }),
    );

  program
    .command("unmount")
    .argument("[dir]")
    .allowExcessArguments()
    .action((dir?: string) =>
      run("unmount", async () => {
        const { unmountVolume } = await import("./unmount");
        await unmountVolume(dir);
        return SUCCESS;
      }),
    );

  // attach, detach, waitforattach, getvolumename, ...: kubelet falls back to its defaults.
  program
    .argument("[call]")
    .argument("[args...]")
    .action((call?: string) =>
      run(call ?? "", async () => {
        throw new NotSupportedError(call ? `call '${call}' is not supported; ${USAGE}` : USAGE);
      }),
    );
  return program;
}

async function main(argv: string[]): Promise<void> {
  // `kv check` is an operator's command that talks to a terminal; every other call is kubelet's.
  if (argv[0] === "check") {
    stopLogging();
    const { runCheck } = await import("./check/command");
    process.exit(await runCheck(argv.slice(1)));
  }
  divertStrayOutput();
  // kubelet runs init at every probe of the plugin directory: answer it before loading
  // the argument parser (half of init's time over a bare node start). Extra arguments are ignored.
  if (argv[0] === "init") return run("init", async () => INIT_ANSWER);
  const { Command: Program, CommanderError } = await import("commander");
  try {
    await buildProgram(Program).parseAsync(argv, { from: "user" });
  } catch (error) {
    const message = error instanceof CommanderError ? `${error.message.replace(/^error: /, "")}; ${USAGE}` : messageOf(error);
    answer(answerFor(new NotSupportedError(message)));
  }
}

void main(process.argv.slice(2));
