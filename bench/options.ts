// `npm run bench -- [--runs N] [--compare <executable>] [--sizes 1,10,100] [--latencies 0,20] [--only mount|refresher]`
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

export interface BenchOptions {
  /** Timed runs per row; the table shows their median (one untimed warm-up run comes first). */
  runs: number;
  /** Objects per mount row. */
  sizes: number[];
  /** Latency the stand-in adds to every Azure AD and Key Vault request, per row. */
  latenciesMs: number[];
  /** Another FlexVolume driver executable to run the same rows against. */
  compare?: string;
  /** The driver's fetch pool size, for the lower bound (FETCH_CONCURRENCY in src/vault/fetchObjects.ts). */
  concurrency: number;
  /** Where the markdown table goes besides stdout. */
  resultsFile: string;
  /** Only the init and mount rows, or only the refresher's; both when absent. */
  only?: "mount" | "refresher";
  /** Where the refresher's tables go besides stdout. */
  refresherResultsFile: string;
}

function numberList(text: string, flag: string): number[] {
  const values = text.split(",").map(Number);
  if (values.some((v) => !Number.isInteger(v) || v < 0))
    throw new Error(`${flag}: expected a comma-separated list of whole numbers, got "${text}"`);
  return values;
}

export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: "string", default: "9" },
      sizes: { type: "string", default: "1,10,100" },
      latencies: { type: "string", default: "0,20" },
      compare: { type: "string" },
      concurrency: { type: "string", default: "16" },
      results: { type: "string", default: "bench/results.md" },
      "refresher-results": { type: "string", default: "bench/results-refresher.md" },
      only: { type: "string" },
    },
  });
  if (values.only !== undefined && values.only !== "mount" && values.only !== "refresher")
    throw new Error(`--only: expected mount or refresher, got "${values.only}"`);
  const [runs] = numberList(values.runs, "--runs");
  const [concurrency] = numberList(values.concurrency, "--concurrency");
  if (runs < 1 || concurrency < 1) throw new Error("--runs and --concurrency must be at least 1");
  const compare = values.compare === undefined ? undefined : resolve(values.compare);
  if (compare && !existsSync(compare)) throw new Error(`--compare: ${compare} does not exist`);
  return {
    runs,
    sizes: numberList(values.sizes, "--sizes"),
    latenciesMs: numberList(values.latencies, "--latencies"),
    compare,
    concurrency,
    resultsFile: resolve(values.results),
    ...(values.only ? { only: values.only } : {}),
    refresherResultsFile: resolve(values["refresher-results"]),
  };
}
