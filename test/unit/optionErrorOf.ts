import { OptionError } from "../../src/errors";

/** The OptionError `run` throws; fails the test when it throws anything else or nothing. */
export function optionErrorOf(run: () => unknown): OptionError {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  if (!(thrown instanceof OptionError)) throw new Error(`expected an OptionError, got ${String(thrown)}`);
  return thrown;
}
