// Kubernetes manifests as `kubectl apply -f` takes them: YAML (or JSON), several documents
// separated by `---`, `List` kinds holding items. Pure.
import { parseAllDocuments } from "yaml";
import { isJsonObject } from "../options/text";

export type ManifestObject = Record<string, unknown>;

export interface Manifest {
  /** Every object, `List` items in place of their list. */
  objects: ManifestObject[];
  /** Documents that could not be read, e.g. `deploy.yaml, document 2: ...`. */
  problems: string[];
}

/**
 * The first line of a YAML error only: the lines after it quote the document, and a Secret's
 * document holds secrets.
 */
function yamlProblem(message: string): string {
  return message.split("\n")[0].replace(/:$/, "");
}

export function parseManifest(text: string, source: string): Manifest {
  const manifest: Manifest = { objects: [], problems: [] };
  parseAllDocuments(text).forEach((document, index) => {
    const where = `${source}, document ${index + 1}`;
    if (document.errors.length > 0) {
      manifest.problems.push(`${where}: ${yamlProblem(document.errors[0].message)}`);
      return;
    }
    const value: unknown = document.toJS();
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
