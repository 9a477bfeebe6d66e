// The objects to fetch: names, types, aliases, versions, formats and encodings zipped into one spec per object.

import { OptionError } from "../errors";
import { KEY } from "./keys";
import { parseObjectOutputs } from "./formats";
import type { Checks } from "./checks";
import { checkEntries, nameEntries, perNameEntries } from "./lists";
import { fileNameProblem, objectNameProblem, objectVersionProblem } from "./names";
import { firstGiven, optionValue, type RawOptions } from "./rawOptions";
import { quote } from "../text/json";
import type { ObjectSpec, ObjectType } from "../model/objectSpec";

const OBJECT_TYPES: readonly ObjectType[] = ["secret", "key", "cert"];

/** A key and its value, e.g. the names list read from keyvaultobjectnames or its legacy singular. */
interface GivenOption {
  key: string;
  value: string;
}

// Types are matched in any letter case: the Go driver knew only lower case, and nothing else could be meant.
const typeProblem = (type: string) =>
  OBJECT_TYPES.includes(type.toLowerCase() as ObjectType) ? undefined : "is not an object type";
const versionProblem = (version: string) => (version === "" ? undefined : objectVersionProblem(version));

/** What a per-name list is and how its entries are checked. */
interface ListRule {
  noun: string;
  emptyEntry?: string;
  problemOf: (entry: string) => string | undefined;
  fix: string;
}

/**
 * Each list is checked on its own, every bad entry reported; formats and encodings need the types.
 * The objects are built only when every list is fine. Legacy singular keys count only when the plural
 * one is absent or empty (as the Go driver's wrapper did).
 */
export function parseObjects(
  checks: Checks,
  options: RawOptions,
  names: GivenOption,
  types: GivenOption,
): ObjectSpec[] | undefined {
  const failures = checks.failures;
  const objectNames = nameEntries(names.value);
  checkEntries(checks, names.key, objectNames, objectNameProblem, "fix the name or remove the extra ';'");
  const namesList = { key: names.key, count: objectNames.length };
  // The entries, undefined when the list is not given or has a problem.
  const list = (read: () => GivenOption, { problemOf, fix, ...wording }: ListRule) =>
    checks.attempt(() => {
      const given = read();
      const entries = perNameEntries({ ...given, ...wording }, namesList);
      checkEntries(checks, given.key, entries ?? [], problemOf, fix);
      return entries;
    });

  const objectTypes = list(() => types, {
    noun: "type",
    problemOf: typeProblem,
    fix: `use ${OBJECT_TYPES.join(", ")} (any letter case)`,
  });
  // An empty alias is refused like any other name that is not a plain file name (docs/contract.md).
  const fileNames = list(() => ({ key: KEY.objectAliases, value: optionValue(options, KEY.objectAliases) }), {
    noun: "alias",
    problemOf: fileNameProblem,
    fix: 'give a plain file name, such as "tls.crt"',
  });
  const objectVersions = list(() => firstGiven(options, [KEY.objectVersions, KEY.legacyObjectVersion]), {
    noun: "version",
    emptyEntry: "an empty entry means the latest version",
    problemOf: versionProblem,
    fix: "copy the version id from the vault, or leave the entry empty for the latest",
  });

  const named =
    objectTypes && objectNames.map((name, index) => ({ type: objectTypes[index].toLowerCase() as ObjectType, name }));
  const outputs = named && checks.attempt(() => parseObjectOutputs(checks, options, names.key, named));
  // From here on, an undefined list is one not given.
  if (!named || !outputs || checks.failures > failures) return undefined;
  const objects = named.map(({ type, name }, index) => ({
    type,
    name,
    fileName: fileNames?.[index] ?? name,
    version: objectVersions?.[index] ?? "",
    ...outputs[index],
  }));
  checkDistinctFileNames(checks, objects, fileNames ? KEY.objectAliases : names.key);
  return objects;
}

/** Two objects writing one file would silently lose one of them. */
function checkDistinctFileNames(checks: Checks, objects: readonly ObjectSpec[], key: string): void {
  const firstIndexOf = new Map<string, number>();
  objects.forEach((object, index) => {
    const earlier = firstIndexOf.get(object.fileName);
    if (earlier === undefined) {
      firstIndexOf.set(object.fileName, index);
      return;
    }
    const describe = (i: number) => `${objects[i].type}/${objects[i].name} (entry ${i + 1})`;
    checks.report(
      new OptionError(
        key,
        `objects ${describe(earlier)} and ${describe(index)} would both be written to ` +
          `file ${quote(object.fileName)}; ` +
          `give one of them a different alias in ${KEY.objectAliases}`,
      ),
    );
  });
}
