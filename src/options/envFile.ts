// envfile and keyvaultobjectenvnames: one more file in the volume that `sh` can source, one
// `export NAME='value'` line per object (a FlexVolume driver cannot set a container's
// environment, but a container's command can be `sh -c '. /kvmnt/.env && exec app'`).

import { OptionError } from "../errors";
import type { ObjectSpec } from "../model/objectSpec";
import { quote } from "../text/json";
import { KEY } from "./keys";
import type { Checks } from "./checks";
import { entryError, perNameEntries, type PerNameList } from "./lists";
import { fileNameProblem } from "./names";
import { optionValue, type RawOptions } from "./rawOptions";

/** What a shell takes as a variable name (POSIX: letters, digits, `_`, not starting with a digit). */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** The entry that leaves an object out of the env file. */
const LEFT_OUT = "-";

const NAMES_FIX =
  `give a name such as "DB_PASSWORD" (letters, digits and '_', not starting with a digit), ` +
  `"-" to leave the object out, or an empty entry for the name derived from its alias`;

/** The alias upper-cased, every character outside A-Z, 0-9 and `_` made `_`. */
function derivedEnvName(fileName: string): string {
  return fileName.toUpperCase().replace(/[^A-Z0-9_]/g, "_");
}

/**
 * Whose file is text by default: a secret's value as it is, or PEM. Keys (the modulus) and
 * certificates (DER), decoded base64/hex values and PKCS#12 files are bytes, left out unless named.
 */
function isText(object: ObjectSpec): boolean {
  return (
    object.type === "secret" &&
    ((object.format === "default" && object.encoding === "utf-8") || object.format === "pem")
  );
}

/** Which text format a named object needs, if its file is not text. */
function binaryProblem(object: ObjectSpec): string | undefined {
  if (object.type === "secret" && object.format === "pfx") return "is a PKCS#12 file, which an env file cannot hold";
  if (object.type !== "secret" && object.format !== "pem") {
    return (
      `is ${object.type === "key" ? "a key" : "a certificate"} without a text format; give it ` +
      `format pem in ${KEY.objectFormats}`
    );
  }
  return undefined;
}

function envNameOf(object: ObjectSpec, entry: string, index: number): string | undefined {
  if (entry === LEFT_OUT) return undefined;
  const label = `${object.type} ${quote(object.name)}`;
  if (entry === "") {
    if (!isText(object)) return undefined;
    const derived = derivedEnvName(object.fileName);
    if (!ENV_NAME.test(derived)) {
      throw entryError(
        KEY.objectEnvNames,
        index,
        entry,
        `derives ${quote(derived)} for ${label}, which is not a valid environment variable name`,
        NAMES_FIX,
      );
    }
    return derived;
  }
  if (!ENV_NAME.test(entry))
    throw entryError(
      KEY.objectEnvNames,
      index,
      entry,
      `for ${label} is not a valid environment variable name`,
      NAMES_FIX,
    );
  const problem = binaryProblem(object);
  if (problem)
    throw entryError(
      KEY.objectEnvNames,
      index,
      entry,
      `names ${label}, which ${problem}`,
      `or use "${LEFT_OUT}" to leave it out`,
    );
  return entry;
}

/** The objects of a volume, and the key their names were read from (for "one per name" messages). */
export interface NamedObjects {
  namesKey: string;
  objects: ObjectSpec[];
}

/** The env file's name, if any, and the objects, each with its variable when it goes in the env file. */
export interface EnvFileResult {
  envFile?: string;
  objects: ObjectSpec[];
}

/**
 * The env file's own name is checked even when the objects had problems; the variable names need
 * the objects. Undefined when anything had a problem.
 */
export function parseEnvFile(
  checks: Checks,
  options: RawOptions,
  named: NamedObjects | undefined,
): EnvFileResult | undefined {
  const envFile = optionValue(options, KEY.envFile);
  const list = {
    key: KEY.objectEnvNames,
    value: optionValue(options, KEY.objectEnvNames),
    noun: "variable name",
    emptyEntry: "an empty entry derives it from the alias",
  };
  if (envFile === "") {
    if (list.value !== "")
      throw new OptionError(
        KEY.objectEnvNames,
        `is given but ${KEY.envFile} is not; name the env file, e.g. ${KEY.envFile}: ".env"`,
      );
    return named && { objects: named.objects };
  }
  const fileOk = checks.attempt(() => checkEnvFileName(envFile, named?.objects ?? []));
  const envNames = named && checks.attempt(() => parseEnvNames(checks, list, named));
  if (!fileOk || !named || !envNames) return undefined;
  return {
    envFile,
    objects: named.objects.map((object, index) => (envNames[index] ? { ...object, envName: envNames[index] } : object)),
  };
}

function checkEnvFileName(envFile: string, objects: readonly ObjectSpec[]): true {
  const fileProblem = fileNameProblem(envFile);
  if (fileProblem)
    throw new OptionError(KEY.envFile, `${quote(envFile)} ${fileProblem}; give a plain file name, such as ".env"`);
  const clash = objects.find((object) => object.fileName === envFile);
  if (clash)
    throw new OptionError(
      KEY.envFile,
      `${quote(envFile)} is also the file of ${clash.type}/${clash.name}; give the env file another name`,
    );
  return true;
}

/** Each object's variable (undefined: left out), every bad entry reported; then no variable twice, and some. */
function parseEnvNames(checks: Checks, list: PerNameList, { namesKey, objects }: NamedObjects): (string | undefined)[] {
  const entries = perNameEntries(list, { key: namesKey, count: objects.length });
  const failures = checks.failures;
  const envNames = objects.map((object, index) =>
    checks.attempt(() => envNameOf(object, entries?.[index] ?? "", index)),
  );
  if (checks.failures > failures) return envNames; // the caller's attempt drops them
  envNames.forEach((name, index) => {
    const earlier = name === undefined ? -1 : envNames.indexOf(name);
    if (earlier !== index && earlier >= 0) {
      const describe = (i: number) => `${objects[i].type}/${objects[i].name} (entry ${i + 1})`;
      checks.report(
        new OptionError(
          KEY.objectEnvNames,
          `objects ${describe(earlier)} and ${describe(index)} would both set ${name}; give one of them another name`,
        ),
      );
    }
  });
  if (envNames.every((name) => name === undefined)) {
    throw new OptionError(
      KEY.envFile,
      `is set but no object goes into it (keys, certificates and binary secrets need a ` +
        `name in ${KEY.objectEnvNames}); name at ` +
        `least one, or remove ${KEY.envFile}`,
    );
  }
  return envNames;
}
