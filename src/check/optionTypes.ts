// What the API server would refuse in a volume's options before kubelet ever calls the driver
// (values that kubectl's YAML reader makes no string), and the placeholders of examples left in. Pure.
import { isJsonObject } from "../text/json";
import { NotAString } from "./yamlTyping";

/** Each option whose value kubectl would not send as a string, with the fix. */
export function nonStringOptionProblems(options: unknown): string[] {
  if (!isJsonObject(options)) return [];
  return Object.entries(options).flatMap(([key, value]) => {
    if (!(value instanceof NotAString)) return [];
    const fix =
      value.source === "" ? `it is empty: write ${key}: "" or give a value` : `quote it: ${key}: "${value.source}"`;
    const written = value.source === "" ? "an empty value" : `\`${value.source}\``;
    return [
      `option ${key}: ${written} is a ${value.kind} as kubectl reads YAML (go-yaml v2), and the API server ` +
        `takes only strings in flexVolume options; ${fix}`,
    ];
  });
}

/** The options with each NotAString as the string it was meant to be, so the rest still gets checked. */
export function asWritten(options: unknown): unknown {
  if (!isJsonObject(options)) return options;
  return Object.fromEntries(
    Object.entries(options).map(([key, value]) => [key, value instanceof NotAString ? value.source : value]),
  );
}

const ZERO_GUID = /^0{8}-0{4}-0{4}-0{4}-0{12}$/;
/** The values of the project's and the original's examples. */
const PLACEHOLDER = /^(contoso-kv|replace-with-.*|<.*>|your-.*|TENANT-ID)$/i;

/** Warnings for option values that look left over from an example. */
export function placeholderWarnings(options: unknown): string[] {
  if (!isJsonObject(options)) return [];
  return Object.entries(options).flatMap(([key, value]) => {
    if (typeof value !== "string") return [];
    if (ZERO_GUID.test(value.trim()))
      return [`option ${key}: the all-zero GUID is a placeholder, no real ${key}; put your own`];
    if (PLACEHOLDER.test(value.trim()))
      return [`option ${key}: ${JSON.stringify(value)} looks like an example's placeholder; put your own value`];
    return [];
  });
}
