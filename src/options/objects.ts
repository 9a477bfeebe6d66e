// The objects to fetch: names, types, aliases, versions, formats and encodings zipped into one spec per object.

import { OptionError } from "../errors";
import { KEY } from "./keys";
import { parseObjectOutputs } from "./formats";
import { entryError, nameEntries, perNameEntries } from "./lists";
import { fileNameProblem, objectNameProblem, objectVersionProblem } from "./names";
import { firstGiven, optionValue, type RawOptions } from "./rawOptions";
import { quote } from "../text/json";
import type { ObjectSpec, ObjectType } from "../model/objectSpec";

const OBJECT_TYPES: readonly ObjectType[] = ["secret", "key", "cert"];

/** A key and its value, e.g. the names list read from keyvaultobjectnames or its legacy singular. */
export interface GivenOption {
  key: string;
  value: string;
}

/** Throws unless every entry passes `problemOf`; `fix` says what to do about a bad one. */
function checkEntries(
  key: string,
  entries: readonly string[],
  problemOf: (entry: string) => string | undefined,
  fix: string,
): void {
  entries.forEach((entry, index) => {
    const problem = problemOf(entry);
    if (problem) throw entryError(key, index, entry, problem, fix);
  });
}

/** Legacy singular keys count only when the plural one is absent or empty (as the Go driver's wrapper did). */
export function parseObjects(options: RawOptions, names: GivenOption, types: GivenOption): ObjectSpec[] {
  const objectNames = nameEntries(names.value);
  checkEntries(names.key, objectNames, objectNameProblem, "fix the name or remove the extra ';'");
  const namesList = { key: names.key, count: objectNames.length };

  // Types are matched in any letter case: the Go driver knew only lower case, and nothing else could be meant.
  const objectTypes = perNameEntries({ ...types, noun: "type" }, namesList) ?? [];
  const typeProblem = (type: string) =>
    OBJECT_TYPES.includes(type.toLowerCase() as ObjectType) ? undefined : "is not an object type";
  checkEntries(types.key, objectTypes, typeProblem, `use ${OBJECT_TYPES.join(", ")} (any letter case)`);

  const aliases = { key: KEY.objectAliases, value: optionValue(options, KEY.objectAliases) };
  // An empty alias is refused like any other name that is not a plain file name (docs/contract.md).
  const fileNames = perNameEntries({ ...aliases, noun: "alias" }, namesList);
  checkEntries(aliases.key, fileNames ?? [], fileNameProblem, 'give a plain file name, such as "tls.crt"');

  const versions = firstGiven(options, [KEY.objectVersions, KEY.legacyObjectVersion]);
  const objectVersions = perNameEntries(
    { ...versions, noun: "version", emptyEntry: "an empty entry means the latest version" },
    namesList,
  );
  const versionProblem = (version: string) => (version === "" ? undefined : objectVersionProblem(version));
  const versionFix = "copy the version id from the vault, or leave the entry empty for the latest";
  checkEntries(versions.key, objectVersions ?? [], versionProblem, versionFix);

  const named = objectNames.map((name, index) => ({ type: objectTypes[index].toLowerCase() as ObjectType, name }));
  const outputs = parseObjectOutputs(options, names.key, named);
  const objects = named.map(({ type, name }, index) => ({
    type,
    name,
    fileName: fileNames?.[index] ?? name,
    version: objectVersions?.[index] ?? "",
    ...outputs[index],
  }));
  checkDistinctFileNames(objects, fileNames ? aliases.key : names.key);
  return objects;
}

/** Two objects writing one file would silently lose one of them. */
function checkDistinctFileNames(objects: readonly ObjectSpec[], key: string): void {
  const firstIndexOf = new Map<string, number>();
  objects.forEach((object, index) => {
    const earlier = firstIndexOf.get(object.fileName);
    if (earlier === undefined) {
      firstIndexOf.set(object.fileName, index);
      return;
    }
    const describe = (i: number) => `${objects[i].type}/${objects[i].name} (entry ${i + 1})`;
    throw new OptionError(
      key,
      `objects ${describe(earlier)} and ${describe(index)} would both be written to file ${quote(object.fileName)}; ` +
        `give one of them a different alias in ${KEY.objectAliases}`,
    );
  });
}
