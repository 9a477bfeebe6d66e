// The bench's goals are judged in absolute times against the --compare executable.
import { renderResults } from "../../bench/report";
import type { Artifact, Row } from "../../bench/rows";
import type { BenchOptions } from "../../bench/options";

const options: BenchOptions = {
  runs: 1,
  sizes: [1],
  latenciesMs: [0],
  compare: "/old/kv",
  concurrency: 16,
  resultsFile: "/dev/null",
  refresherResultsFile: "/dev/null",
};
const ours: Artifact = { label: "dist/azure~kv/kv", path: "/x/kv", ours: true };
const bundle: Artifact = { label: "node dist/kv.js", path: "/x/kv.js", ours: true };
const previous: Artifact = { label: "kv", path: "/old/kv", ours: false };

function row(artifact: Artifact, call: Row["call"], ms: number, peakRssMb = 50): Row {
  return {
    call,
    artifact,
    objects: 1,
    latencyMs: 0,
    identity: "servicePrincipal",
    samples: [{ ms, bareMs: 40, peakRssMb }],
  };
}

const goalsOf = (rows: Row[], o: BenchOptions = options) =>
  renderResults({ bare: { plainMs: 40, standInMs: 45 }, rows }, o)
    .split("## Goals")[1]
    .split("##")[0];

test("a mount within 10 % of the previous executable meets the goal, one beyond it misses", () => {
  expect(goalsOf([row(ours, "mount", 108), row(previous, "mount", 100)])).toMatch(
    /108 ms against 100 ms for kv \(\+8 %.*\): met/,
  );
  expect(goalsOf([row(ours, "mount", 115), row(previous, "mount", 100)])).toMatch(
    /115 ms against 100 ms for kv \(\+15 %.*\): \*\*missed\*\*/,
  );
});

test("only the executable is judged against the previous executable; the bundle is not", () => {
  expect(goalsOf([row(bundle, "mount", 300), row(previous, "mount", 100)])).not.toMatch(/300 ms/);
});

test("init is judged against its own runtime's bare start, RSS against 64 MB", () => {
  const text = goalsOf([row(ours, "init", 50), row(ours, "mount", 100, 70)]);
  expect(text).toMatch(/init of dist\/azure~kv\/kv: 1\.25× .*: \*\*missed\*\*/);
  expect(text).toMatch(/peak RSS of a one-secret mount at 0 ms: 70\.0 MB \(goal < 64 MB\): \*\*missed\*\*/);
});

test("without --compare the report says the mount rows were not judged", () => {
  expect(goalsOf([row(ours, "mount", 100)], { ...options, compare: undefined })).toMatch(/not given in this run/);
});
