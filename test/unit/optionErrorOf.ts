import { OptionError } from "../../src/errors";

/** The error of class `type` that `run` throws; fails the test when it throws anything else or nothing. */
export function errorOf<T extends Error>(type: new (...args: never[]) => T, run: () => unknown): T {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  if (!(thrown instanceof type)) throw new Error(`expected a ${type.name}, got ${String(thrown)}`);
  return thrown;
}

/** The OptionError `run` throws; fails the test when it throws anything else or nothing. */
export function optionErrorOf(run: () => unknown): OptionError {
  return errorOf(OptionError, run);
}
