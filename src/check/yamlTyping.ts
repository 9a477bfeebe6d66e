// kubectl reads manifests with go-yaml v2 (./goYamlScalars.ts): an unquoted `on`, `yes`, `n`,
// `0755`, `0o440`, `~`, `1.0` is no string there. A flexVolume's options must be
// map[string]string, so the API server refuses such a value. The parser keeps each of them as a
// NotAString: its source and its type, for the check to name and fix; and what go-yaml keeps a
// string where YAML 1.1 would not (`1:30`, `2024-01-01`) as that string. Pure.
import { isMap, isPair, isScalar, Scalar, visit, type Document } from "yaml";
import { goYamlKind, type GoYamlKind } from "./goYamlScalars";

/** An option value that kubectl would send as a boolean, number or null. */
export class NotAString {
  constructor(
    /** As written in the manifest, e.g. `on`. */
    readonly source: string,
    readonly kind: GoYamlKind,
  ) {}
}

/** An explicitly tagged value (`!!int "5"`, `!!str 0755`) is what its tag made it. */
function taggedKind(value: unknown): GoYamlKind | undefined {
  if (value === null) return "null";
  if (typeof value === "boolean") return "boolean";
  if (typeof value === "number" || typeof value === "bigint") return "number";
  return undefined;
}

/** The option's value as kubectl sends it: a NotAString, or the string it is. */
function asKubectlSends(scalar: Scalar | null): Scalar {
  // `key:` with nothing after it has no node at all: null, written as empty.
  if (scalar === null) return new Scalar(new NotAString("", "null"));
  if (scalar.type !== Scalar.PLAIN || scalar.tag !== undefined) {
    const kind = taggedKind(scalar.value);
    return kind ? new Scalar(new NotAString(scalar.source ?? "", kind)) : scalar;
  }
  const source = scalar.source ?? String(scalar.value);
  const kind = goYamlKind(source);
  return new Scalar(kind ? new NotAString(source, kind) : source);
}

/** Marks every non-string value of every `flexVolume.options` mapping of the document. */
export function markNonStringOptions(document: Document): void {
  visit(document, {
    Pair(_key, pair) {
      if (!isScalar(pair.key) || pair.key.value !== "flexVolume" || !isMap(pair.value)) return;
      const options = pair.value.items.find((item) => isScalar(item.key) && item.key.value === "options");
      if (!options || !isMap(options.value)) return;
      for (const option of options.value.items) {
        if (!isPair(option)) continue;
        const scalar = option.value as Scalar | null;
        if (scalar === null || isScalar(scalar)) option.value = asKubectlSends(scalar);
      }
    },
  });
}
