// What an unquoted, untagged scalar is to kubectl: sigs.k8s.io/yaml decodes manifests with its
// fork of go-yaml v2 into interface{}, and go-yaml v2's resolve() types a plain scalar by its
// first character. Not YAML 1.1 to the letter: no base-60 numbers (`1:30` is a string), 0o/0x/0b
// integers by Go's strconv, and a timestamp (`2024-01-01`) stays a string in interface{}. Pure.

export type GoYamlKind = "boolean" | "number" | "null";

const RESOLVE_MAP: readonly [GoYamlKind, readonly string[]][] = [
  ["boolean", ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]],
  ["boolean", ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]],
  ["null", ["", "~", "null", "Null", "NULL"]],
  ["number", [".nan", ".NaN", ".NAN"]],
  ["number", [".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF"]],
];
const RESOLVED = new Map(RESOLVE_MAP.flatMap(([kind, sources]) => sources.map((source) => [source, kind] as const)));

/** strconv.ParseInt(s, 0, 64) or ParseUint: a sign (ParseInt only), then 0x, 0o, 0b, a leading 0 (octal), decimal. */
const GO_INTEGER = /^(?:[-+]?(?:0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[1-9][0-9]*|0))$/;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;
/** go-yaml v2's yamlStyleFloat: what it hands to strconv.ParseFloat after an integer failed. */
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
/** A plain scalar starting with `.`, parsed by strconv.ParseFloat as it is: `.5`, `.5e3`. */
const DOT_FLOAT = /^\.[0-9]+([eE][-+]?[0-9]+)?$/;

function isGoInteger(plain: string): boolean {
  if (!GO_INTEGER.test(plain)) return false;
  const sign = plain.startsWith("-") ? -1n : 1n;
  const digits = plain.replace(/^[-+]/, "").replace(/^0(?=[0-7])/, "0o"); // BigInt reads 0o, not a bare 0
  const value = sign * BigInt(digits);
  return value >= INT64_MIN && value <= UINT64_MAX && !(plain.startsWith("+") && value > 2n ** 63n - 1n);
}

/** A float that strconv.ParseFloat takes without a range error. */
const isFiniteFloat = (text: string) => Number.isFinite(Number(text));

/** The type go-yaml v2 gives the plain scalar `source`, or undefined: a string. */
export function goYamlKind(source: string): GoYamlKind | undefined {
  const resolved = RESOLVED.get(source);
  if (resolved) return resolved;
  if (source.startsWith(".")) return DOT_FLOAT.test(source) && isFiniteFloat(source) ? "number" : undefined;
  if (!/^[-+0-9]/.test(source)) return undefined;
  const plain = source.replaceAll("_", "");
  if (isGoInteger(plain)) return "number";
  if (YAML_STYLE_FLOAT.test(plain) && isFiniteFloat(plain)) return "number";
  return undefined;
}
