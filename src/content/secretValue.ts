// A secret's value as the vault holds it, decoded as keyvaultobjectencodings says. Errors never
// quote the value: it is the secret.
import { ContentError } from "../errors";
import type { ObjectEncoding } from "../model/objectSpec";
import { decodeStdBase64 } from "../text/base64";

/** Pairs of hex digits, whitespace anywhere ignored (`xxd -p` wraps its lines); undefined for anything else. */
function decodeHex(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, "");
  return /^(?:[0-9a-fA-F]{2})*$/.test(compact) ? Buffer.from(compact, "hex") : undefined;
}

export function decodeSecretValue(value: string, encoding: ObjectEncoding): Buffer {
  if (encoding === "utf-8") return Buffer.from(value, "utf8");
  const bytes = encoding === "base64" ? decodeStdBase64(value) : decodeHex(value);
  if (!bytes) {
    throw new ContentError(
      `the secret's value is not ${encoding} text, as keyvaultobjectencodings says; ` +
        `store the value ${encoding}-encoded, or fix the object's entry in keyvaultobjectencodings`,
    );
  }
  return bytes;
}
