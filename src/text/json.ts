// JSON values in error messages (quoted, their kind, where a parse failed) and plain JSON
// objects. Only for values that are not secret.

const MAX_QUOTED = 80;

/** A value as it would appear in the manifest: JSON-quoted (control characters escaped), cut short when long. */
export function quote(value: string): string {
  const shown = value.length > MAX_QUOTED ? `${value.slice(0, MAX_QUOTED)}...` : value;
  return JSON.stringify(shown);
}

/** Why JSON.parse failed, without its excerpt of the input (the input may hold a client secret). */
export function jsonSyntaxProblem(error: unknown): string {
  const position = /at position (\d+)/.exec(error instanceof Error ? error.message : "");
  return position ? `is not valid JSON (syntax error at character ${position[1]})` : "is not valid JSON";
}

/** The JSON kind of a value, for "must be X, got Y" messages. */
export function jsonKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** A plain JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
