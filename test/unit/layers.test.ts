// How the driver's rooms depend on each other, read from the import statements: the shared
// model (src/model/) at the bottom, importing nothing; no cycle between files nor between
// rooms (src/<folder>/, or a file directly in src/).
import { findCycle, firstSegmentBelow, importGraph, importsOf, sourceFiles, specifiersOf } from "../support/imports";

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
  const outside = SRC.flatMap((file) => importsOf(file).filter((imported) => !imported.startsWith("src/")).map((imported) => `${file} -> ${imported}`));
  expect(outside).toEqual([]);
});
