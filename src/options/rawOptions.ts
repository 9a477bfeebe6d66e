// Reading string values out of the options object, with keys matched case-insensitively.
// Values are checked only when read, so unknown keys are ignored whatever they hold.

import { OptionError } from "../errors";
import { isJsonObject, jsonKind } from "../text/json";
import { JSON_OPTIONS } from "./keys";

interface Entry {
  /** The key as written. */
  key: string;
  value: unknown;
}

/** The options object indexed by lower-cased key; one key may have been written in several spellings. */
export type RawOptions = ReadonlyMap<string, readonly Entry[]>;

export function indexOptions(raw: unknown): RawOptions {
  if (!isJsonObject(raw)) {
    throw new OptionError(JSON_OPTIONS, `must be a JSON object of string values, got ${jsonKind(raw)}`);
  }
  const index = new Map<string, Entry[]>();
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue; // JSON has no undefined: only callers building objects in code pass it
    const folded = key.toLowerCase();
    index.set(folded, [...(index.get(folded) ?? []), { key, value }]);
  }
  return index;
}

/** The trimmed value of `key`, or "" when absent. Never echoes a value: it may be a secret. */
export function optionValue(options: RawOptions, key: string): string {
  const entries = options.get(key.toLowerCase()) ?? [];
  for (const { value } of entries) {
    if (typeof value !== "string") {
      throw new OptionError(
        key,
        `must be a string, got ${jsonKind(value)}; quote the value in the manifest, e.g. "true"`,
      );
    }
  }
  const values = new Set(entries.map(({ value }) => (value as string).trim()));
  if (values.size > 1) {
    const spellings = entries.map((entry) => entry.key).join(", ");
    throw new OptionError(key, `is given ${entries.length} times with different values (${spellings}); keep one`);
  }
  return values.values().next().value ?? "";
}

/** The first of `keys` with a non-empty value (legacy fallbacks), and which key that was. */
export function firstGiven(options: RawOptions, keys: readonly string[]): { key: string; value: string } {
  for (const key of keys) {
    const value = optionValue(options, key);
    if (value !== "") return { key, value };
  }
  return { key: keys[0], value: "" };
}
