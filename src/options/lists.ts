// The ';'-separated lists: names, and the per-name types, aliases and versions.
//
// Entries are trimmed. One trailing ';' is tolerated (`a;b;`), an easy slip when manifests are
// templated: a trailing empty entry is dropped from the names, and from a per-name list when it
// is the one entry too many. Any other empty entry is kept, so `;v2` pins only the second version.

import { OptionError } from "../errors";
import { quote } from "../text/json";
import type { Checks } from "./checks";

const SEPARATOR = ";";

/** The object names' entries: "" has none, and a trailing ';' is dropped. */
export function nameEntries(value: string): string[] {
  if (value === "") return [];
  const entries = value.split(SEPARATOR).map((entry) => entry.trim());
  return entries.length > 1 && entries[entries.length - 1] === "" ? entries.slice(0, -1) : entries;
}

/** What a per-name list holds, for "give one <noun> per name" messages. */
export interface PerNameList {
  /** The key it was read from. */
  key: string;
  value: string;
  noun: string;
  /** What an empty entry means, when it means anything. */
  emptyEntry?: string;
}

/** A per-name list's entries, exactly one per name, or undefined when the list is not given. */
export function perNameEntries(list: PerNameList, names: { key: string; count: number }): string[] | undefined {
  if (list.value === "") return undefined;
  const entries = list.value.split(SEPARATOR).map((entry) => entry.trim());
  const fitting =
    entries.length === names.count + 1 && entries[entries.length - 1] === "" ? entries.slice(0, -1) : entries;
  if (fitting.length !== names.count) {
    const emptyEntry = list.emptyEntry ? ` (${list.emptyEntry})` : "";
    throw new OptionError(
      list.key,
      `has ${fitting.length} ${plural(fitting.length, "entry", "entries")} but ${names.key} has ${names.count}; ` +
        `give one ${list.noun} per name, separated by '${SEPARATOR}'${emptyEntry}`,
    );
  }
  return fitting;
}

/** The error for one bad entry of a list: `entry 2 ("x") <problem>; <fix>`. */
export function entryError(key: string, index: number, entry: string, problem: string, fix: string): OptionError {
  return new OptionError(key, `entry ${index + 1} (${quote(entry)}) ${problem}; ${fix}`);
}

function plural(count: number, one: string, many: string): string {
  return count === 1 ? one : many;
}

/** Reports every entry that fails `problemOf`; `fix` says what to do about a bad one. */
export function checkEntries(
  checks: Checks,
  key: string,
  entries: readonly string[],
  problemOf: (entry: string) => string | undefined,
  fix: string,
): void {
  entries.forEach((entry, index) => {
    const problem = problemOf(entry);
    if (problem) checks.report(entryError(key, index, entry, problem, fix));
  });
}
