// The project's own import graph, read from the sources: every import, export ... from,
// import type, dynamic import() and require() of a relative path, resolved to a file.
// Packages and built-ins are not followed. (TypeScript 7's compiler has no JavaScript API
// to ask, and esbuild drops type-only imports, which count here: so the statements are read.)
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

export const REPO = resolve(__dirname, "..", "..");

/** Every .ts file under `dir` (relative to the repo), as repo-relative paths. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(join(REPO, dir), { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".ts"))
    .map((name) => join(dir, name))
    .sort();
}

/** `./x` as TypeScript resolves it: x.ts, x/index.ts, or the file itself (.json, .cjs). */
function resolveRelative(from: string, specifier: string): string {
  const base = join(dirname(from), specifier);
  const candidate = [`${base}.ts`, join(base, "index.ts"), base].find(
    (path) => existsSync(join(REPO, path)) && statSync(join(REPO, path)).isFile(),
  );
  if (!candidate) throw new Error(`${from} imports ${specifier}, which is no file`);
  return candidate;
}

/** `import ... from "x"`, `import "x"` and `export ... from "x"`, at the start of a line (a statement). */
const STATIC = /^[ \t]*(?:import|export)\b(?:[^"';]*?\bfrom)?[ \t\n]*["']([^"'\n]+)["']/gm;
/** `import("x")`, `typeof import("x")` and `require("x")` anywhere. */
const CALL = /\b(?:import|require)\([ \t\n]*["']([^"'\n]+)["'][ \t\n]*\)/g;
/** Whole comment lines: their examples are no imports. */
const COMMENT_LINE = /^[ \t]*(?:\/\/|\/?\*).*$/gm;

/** What `file` imports, as written: relative paths, packages and built-ins. */
export function specifiersOf(file: string): string[] {
  const code = readFileSync(join(REPO, file), "utf8").replace(COMMENT_LINE, "");
  return [...code.matchAll(STATIC), ...code.matchAll(CALL)].map((match) => match[1]);
}

/** The repo files `file` imports, repo-relative. */
export function importsOf(file: string): string[] {
  const relativeOnes = specifiersOf(file).filter((name) => name.startsWith("."));
  return [...new Set(relativeOnes.map((name) => resolveRelative(file, name)))];
}

/** Every file reachable from `entries` through imports, the entries included. */
export function importClosure(entries: readonly string[]): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    if (file.endsWith(".ts")) importsOf(file).forEach(visit);
  };
  entries.forEach(visit);
  return [...seen].sort();
}

export type Graph = ReadonlyMap<string, ReadonlySet<string>>;

/** One cycle of `graph` as its nodes, the first repeated at the end; undefined when there is none. */
export function findCycle(graph: Graph): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    const onPath = path.indexOf(node);
    if (onPath >= 0) return [...path.slice(onPath), node];
    if (done.has(node)) return undefined;
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(node);
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * The import graph of `files` with each file mapped to a node by `nodeOf` (itself, its folder, ...); self-edges
 * dropped.
 */
export function importGraph(files: readonly string[], nodeOf: (file: string) => string): Graph {
  const graph = new Map<string, Set<string>>();
  for (const file of files) {
    const from = nodeOf(file);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const imported of importsOf(file)) {
      const to = nodeOf(imported);
      if (to !== from) edges.add(to);
    }
  }
  return graph;
}

/** `a/b/c.ts` relative to `dir` (`a`): its first segment below `dir`, e.g. `b`. */
export function firstSegmentBelow(dir: string, file: string): string {
  return relative(dir, file).split("/")[0];
}
