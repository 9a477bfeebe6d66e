// What each object's file holds beyond the Go driver's defaults: keyvaultobjectformats and
// keyvaultobjectencodings, one entry per object, an empty entry keeping the default. Which
// values fit depends on the object's type, so both lists are checked against the types.

import type { ObjectEncoding, ObjectFormat, ObjectOutput, ObjectType } from "../model/objectSpec";
import { quote } from "../text/json";
import { KEY } from "./keys";
import type { Checks } from "./checks";
import { entryError, perNameEntries } from "./lists";
import { optionValue, type RawOptions } from "./rawOptions";

/** The formats each type may ask for, besides the default. */
const FORMATS_BY_TYPE: Readonly<Record<ObjectType, readonly ObjectFormat[]>> = {
  secret: ["pem", "pfx"],
  key: ["pem"],
  cert: ["pem"],
};

const KNOWN_FORMATS = new Set(Object.values(FORMATS_BY_TYPE).flat());
const ENCODINGS: readonly ObjectEncoding[] = ["utf-8", "base64", "hex"];
const DEFAULT_ENCODING: ObjectEncoding = "utf-8";

const FORMATS_FIX =
  "formats by type: secret: pem or pfx (for a certificate's backing secret), key: pem, cert: pem; " +
  "leave the entry empty for the default (secret value, key modulus, certificate DER)";

interface NamedObject {
  type: ObjectType;
  name: string;
}

/**
 * Format and encoding of each object, in the order of `objects` (one per name). Every bad entry is
 * reported; an encoding is checked only against a format without problems.
 */
export function parseObjectOutputs(
  checks: Checks,
  options: RawOptions,
  namesKey: string,
  objects: readonly NamedObject[],
): ObjectOutput[] {
  const names = { key: namesKey, count: objects.length };
  const list = (key: string, noun: string, emptyEntry: string) =>
    checks.attempt(() => perNameEntries({ key, value: optionValue(options, key), noun, emptyEntry }, names) ?? []);
  const formats = list(KEY.objectFormats, "format", "an empty entry keeps the default");
  const encodings = list(KEY.objectEncodings, "encoding", "an empty entry means utf-8");
  return objects.map((object, index) => {
    const format = formats && checks.attempt(() => parseFormat(formats[index] ?? "", index, object));
    const encoding =
      format && encodings && checks.attempt(() => parseEncoding(encodings[index] ?? "", index, object, format));
    // Without a problem, both are set; with one, the caller's attempt drops the outputs.
    return { format: format ?? "default", encoding: encoding ?? DEFAULT_ENCODING };
  });
}

function parseFormat(entry: string, index: number, object: NamedObject): ObjectFormat {
  if (entry === "") return "default";
  const format = entry.toLowerCase() as ObjectFormat;
  if (!KNOWN_FORMATS.has(format)) {
    throw entryError(
      KEY.objectFormats,
      index,
      entry,
      `is not a format (asked for ${object.type} ${quote(object.name)})`,
      FORMATS_FIX,
    );
  }
  if (!FORMATS_BY_TYPE[object.type].includes(format)) {
    throw entryError(KEY.objectFormats, index, entry, `does not fit ${object.type} ${quote(object.name)}`, FORMATS_FIX);
  }
  return format;
}

function parseEncoding(entry: string, index: number, object: NamedObject, format: ObjectFormat): ObjectEncoding {
  if (entry === "") return DEFAULT_ENCODING;
  const encoding = entry.toLowerCase() as ObjectEncoding;
  if (!ENCODINGS.includes(encoding)) {
    throw entryError(
      KEY.objectEncodings,
      index,
      entry,
      "is not an encoding",
      `use ${ENCODINGS.join(", ")} (how the secret's value is stored in the vault), or leave the entry ` +
        `empty for ${DEFAULT_ENCODING}`,
    );
  }
  if (encoding === DEFAULT_ENCODING) return encoding;
  // Keys and certificates arrive as binary fields, never as text that could be encoded.
  if (object.type !== "secret") {
    throw entryError(
      KEY.objectEncodings,
      index,
      entry,
      `applies to secrets only, not to ${object.type} ${quote(object.name)}`,
      "leave the entry empty for keys and certificates",
    );
  }
  // A certificate's backing secret is read by its content type (PKCS#12 or PEM), not by an encoding.
  if (format !== "default") {
    throw entryError(
      KEY.objectEncodings,
      index,
      entry,
      `cannot be combined with format ${quote(format)} of secret ${quote(object.name)}`,
      "leave the encoding entry empty: the secret's content type says how it is stored",
    );
  }
  return encoding;
}
