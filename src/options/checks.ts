// Runs a volume's option checks one way for the driver and another for `kv check`: "first" throws the
// first problem (a mount fails on it), "every" records each problem and goes on with the independent
// checks. Checks that build on a value with a problem are skipped by their callers: no noise.

import { OptionError } from "../errors";

export class Checks {
  /** The problems found so far, in the order found; a value read twice is reported once. */
  readonly problems: OptionError[] = [];
  private met = 0;

  constructor(private readonly until: "first" | "every") {}

  /** Problems met so far, repeats included: compare before and after to see whether a part had one. */
  get failures(): number {
    return this.met;
  }

  /** Records `error`, or throws it when stopping at the first. */
  report(error: OptionError): void {
    if (this.until === "first") throw error;
    this.met++;
    if (!this.problems.some((known) => known.message === error.message)) this.problems.push(error);
  }

  /** What `check` returns, or undefined when it threw an OptionError or reported one inside. */
  attempt<T>(check: () => T): T | undefined {
    const before = this.failures;
    try {
      const value = check();
      return this.failures === before ? value : undefined;
    } catch (error) {
      if (!(error instanceof OptionError)) throw error;
      this.report(error);
      return undefined;
    }
  }

  /** Each check on its own, in order: their values by name, or undefined when any of them had a problem. */
  all<T extends Record<string, unknown>>(checks: { [K in keyof T]: () => T[K] }): T | undefined {
    return this.attempt(() => {
      const values: Partial<T> = {};
      for (const key of Object.keys(checks) as (keyof T)[]) values[key] = this.attempt(checks[key]);
      return values as T; // complete unless a check had a problem, and then attempt returns undefined
    });
  }
}
