// How the driver's rooms depend on each other, read from the import statements: the shared
// model (src/model/) at the bottom, importing nothing; no cycle between files nor between
// rooms (src/<folder>/, or a file directly in src/); the Azure stand-in on its own; and no
// test code in what the release build runs.
import {
  findCycle,
  firstSegmentBelow,
  importClosure,
  importGraph,
  importsOf,
  sourceFiles,
  specifiersOf,
} from "../support/imports";

const SRC = sourceFiles("src");
const roomOf = (file: string) => firstSegmentBelow("src", file).replace(/\.ts$/, "");

test("no file of src/ imports itself through a cycle", () => {
  expect(findCycle(importGraph(SRC, (file) => file))).toBeUndefined();
});

test("the rooms of src/ depend on each other without a cycle", () => {
  expect(findCycle(importGraph(SRC, roomOf))).toBeUndefined();
});

test("src/model/ exists and imports nothing but src/model/ (no package either)", () => {
  const model = SRC.filter((file) => roomOf(file) === "model");
  expect(model.length).toBeGreaterThan(0);
  const outside = model.flatMap((file) =>
    specifiersOf(file)
      .filter((specifier) => !specifier.startsWith("./"))
      .map((specifier) => `${file} -> ${specifier}`),
  );
  expect(outside).toEqual([]);
});

test("src/ imports nothing outside src/", () => {
  const outside = SRC.flatMap((file) =>
    importsOf(file)
      .filter((imported) => !imported.startsWith("src/"))
      .map((imported) => `${file} -> ${imported}`),
  );
  expect(outside).toEqual([]);
});

test("the Azure stand-in (standin/) stands apart from the driver and the tests", () => {
  const files = sourceFiles("standin");
  expect(files).toContain("standin/standIn.ts");
  const outside = files.flatMap((file) =>
    importsOf(file)
      .filter((imported) => !imported.startsWith("standin/"))
      .map((imported) => `${file} -> ${imported}`),
  );
  expect(outside).toEqual([]);
});

test("the release build (the CLI and its training mount) and the bench import no test code", () => {
  const reached = importClosure(["src/cli.ts", "scripts/trainingMount.ts", "bench/bench.ts"]);
  expect(reached).toContain("standin/standIn.ts");
  expect(reached.filter((file) => file.startsWith("test/"))).toEqual([]);
});
