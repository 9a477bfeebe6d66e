// Kubernetes manifests as `kubectl apply -f` takes them: YAML (or JSON), several documents
// separated by `---`, `List` kinds holding items, read with kubectl's YAML rules (go-yaml v2). Pure.
import { parseAllDocuments, type Document, type YAMLError } from "yaml";
import { isJsonObject } from "../text/json";
import { indentFlowContinuations } from "./flowIndent";
import { markNonStringOptions } from "./yamlTyping";

export type ManifestObject = Record<string, unknown>;

export interface Manifest {
  /** Every object, `List` items in place of their list. */
  objects: ManifestObject[];
  /** Documents that could not be read, e.g. `deploy.yaml, document 2: ...`. */
  problems: string[];
}

/**
 * Where the YAML is wrong and what kind of error it is, never the library's message: its
 * messages quote the document, and a Secret's document holds secrets.
 */
function yamlProblem({ code, linePos }: YAMLError): string {
  const at = linePos ? ` at line ${linePos[0].line}, column ${linePos[0].col}` : "";
  return `is not valid YAML${at} (${code.toLowerCase().replace(/_/g, " ")})`;
}

/** The document as plain data; an alias that cannot be resolved is the document's problem. */
function toData(document: Document): { value: unknown } | { problem: string } {
  try {
    return { value: document.toJS() };
  } catch (error) {
    // Its messages name aliases (`*name`), never values.
    return { problem: `cannot be read: ${(error as Error).message.split("\n")[0]}` };
  }
}

/** YAML 1.1 as kubectl reads it: merge keys (`<<: *defaults`), `on`/`yes` booleans, `0755` octal. */
const parseAsKubectl = (text: string) => parseAllDocuments(text, { version: "1.1", merge: true });
const readable = (documents: Document[]) => documents.every((document) => document.errors.length === 0);

/** The documents; with continuation lines that go-yaml accepts re-indented when only that makes them readable. */
function kubectlDocuments(text: string): Document[] {
  const documents = parseAsKubectl(text);
  if (readable(documents)) return documents;
  const lenient = parseAsKubectl(indentFlowContinuations(text));
  return readable(lenient) ? lenient : documents;
}

export function parseManifest(text: string, source: string): Manifest {
  const manifest: Manifest = { objects: [], problems: [] };
  kubectlDocuments(text).forEach((document, index) => {
    const where = `${source}, document ${index + 1}`;
    if (document.errors.length > 0) {
      manifest.problems.push(`${where}: ${yamlProblem(document.errors[0])}`);
      return;
    }
    markNonStringOptions(document);
    const data = toData(document);
    if ("problem" in data) {
      manifest.problems.push(`${where}: ${data.problem}`);
      return;
    }
    const { value } = data;
    if (value === null || value === undefined) return; // an empty document, e.g. after a final `---`
    if (!isJsonObject(value)) {
      manifest.problems.push(`${where}: is not a Kubernetes object (a mapping with kind and metadata)`);
      return;
    }
    // `kubectl get -o yaml` writes a List (or PodList, ...) of items.
    const isList = typeof value.kind === "string" && value.kind.endsWith("List") && Array.isArray(value.items);
    const items: unknown[] = isList ? (value.items as unknown[]) : [value];
    manifest.objects.push(...items.filter(isJsonObject));
  });
  return manifest;
}
