// kubectl reads manifests with go-yaml, YAML 1.1 rules: `on`, `yes`, `n`, `0755`, `~`, `1.0`
// are no strings there. A flexVolume's options must be map[string]string, so the API server
// refuses such a value. The parser keeps each of them as a NotAString: its source and its
// YAML 1.1 type, for the check to name and fix. Pure.
import { isMap, isPair, isScalar, Scalar, visit, type Document } from "yaml";

/** An option value that kubectl would send as a boolean, number or null. */
export class NotAString {
  constructor(
    /** As written in the manifest, e.g. `on`. */
    readonly source: string,
    readonly kind: "boolean" | "number" | "null",
  ) {}
}

function kindOf(value: unknown): NotAString["kind"] | undefined {
  if (value === null) return "null";
  if (typeof value === "boolean") return "boolean";
  if (typeof value === "number" || typeof value === "bigint") return "number";
  return undefined;
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
        // `key:` with nothing after it has no node at all: null, written as empty.
        const scalar = option.value as Scalar | null;
        if (scalar !== null && !isScalar(scalar)) continue;
        const kind = kindOf(scalar === null ? null : scalar.value);
        if (kind) option.value = new Scalar(new NotAString(scalar?.source ?? "", kind));
      }
    },
  });
}
