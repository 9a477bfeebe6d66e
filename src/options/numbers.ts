// Whole-number options (ports, group ids, seconds): digits only, within a range.
import { OptionError } from "../errors";
import { quote } from "../text/json";

export interface WholeNumberRule {
  min: number;
  max: number;
  /** What the number is, for the message: "a group id", "NMI's port". */
  noun: string;
  /** Appended to the fix, e.g. " (default 2579)". */
  hint?: string;
}

export function wholeNumber(key: string, value: string, { min, max, noun, hint = "" }: WholeNumberRule): number {
  const parsed = /^[0-9]{1,10}$/.test(value) ? Number(value) : NaN;
  if (!(parsed >= min && parsed <= max)) {
    throw new OptionError(key, `${quote(value)} is not ${noun}; give a whole number from ${min} to ${max}${hint}`);
  }
  return parsed;
}
