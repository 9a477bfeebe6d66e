// `npx tsx bench/rotationAtScale.ts`: the Key Vault reads a cluster's rotation makes, for
// docs/rotation-at-scale.md. N nodes each run P pods whose volumes read the same S secrets
// (one service principal) every I seconds:
//  - this driver: each node reads each secret once per interval (shared fetches), on ticks at
//    its own phase (src/refresher/schedule.ts, the real function, over real-looking node names);
//  - a per-volume refresher (the Secrets Store CSI driver's model): every volume reads each of
//    its secrets every interval, either spread evenly (each volume at a random point of the
//    interval: the best case for it) or in step (every volume at once, as after the driver
//    pods of a cluster restarted together: its worst case). A real per-node loop lies between.
// The figure compared with Key Vault's limit (4,000 secret transactions per 10 s per vault and
// region) is the busiest 10-s window; one refresher's reads of one tick are counted as one burst.
import { nodePhaseMs } from "../src/refresher/schedule";

const LIMIT_PER_10_S = 4000;
const WINDOW_MS = 10_000;

type Phases = (nodes: number, intervalMs: number) => number[];

/** This driver: where in the interval the refresher puts the ticks of nodes named as AKS names them. */
const driverPhases: Phases = (nodes, intervalMs) =>
  Array.from(
    { length: nodes },
    (_, i) => nodePhaseMs(`aks-nodepool1-31402597-vmss${i.toString(36).padStart(6, "0")}`) % intervalMs,
  );

/** Deterministic uniform numbers (mulberry32), so the table is the same at every run. */
function uniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const randomPhases: Phases = (nodes, intervalMs) => {
  const next = uniform(nodes * 7919 + intervalMs);
  return Array.from({ length: nodes }, () => Math.floor(next() * intervalMs));
};
const inStep: Phases = (nodes) => new Array<number>(nodes).fill(0);

/** The most ticks in any 10-s window of the (circular) interval. */
function busiestWindow(phases: number[], intervalMs: number): number {
  if (intervalMs <= WINDOW_MS) return phases.length * Math.ceil(WINDOW_MS / intervalMs);
  const sorted = [...phases].sort((a, b) => a - b);
  const wrapped = [...sorted, ...sorted.map((phase) => phase + intervalMs)];
  let most = 0;
  for (let start = 0, end = 0; start < sorted.length; start++) {
    while (end < wrapped.length && wrapped[end] < wrapped[start] + WINDOW_MS) end++;
    most = Math.max(most, end - start);
  }
  return most;
}

interface Model {
  name: string;
  /** How many refreshers tick on their own: nodes (shared fetches) or volumes. */
  refreshers: (nodes: number, pods: number) => number;
  phases: Phases;
}

const MODELS: Model[] = [
  { name: "this driver", refreshers: (nodes) => nodes, phases: driverPhases },
  { name: "per volume, spread", refreshers: (nodes, pods) => nodes * pods, phases: randomPhases },
  { name: "per volume, in step", refreshers: (nodes, pods) => nodes * pods, phases: inStep },
];

/** Each refresher reads the S secrets at each of its ticks. */
function peak(model: Model, nodes: number, pods: number, secrets: number, intervalS: number): number {
  return busiestWindow(model.phases(model.refreshers(nodes, pods), intervalS * 1000), intervalS * 1000) * secrets;
}

/** The largest cluster (nodes) whose busiest window stays within the limit. */
function largestUnderLimit(model: Model, pods: number, secrets: number, intervalS: number): number {
  let [low, high] = [0, 1];
  while (peak(model, high, pods, secrets, intervalS) <= LIMIT_PER_10_S && high < 1_000_000)
    [low, high] = [high, high * 2];
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if (peak(model, middle, pods, secrets, intervalS) <= LIMIT_PER_10_S) low = middle;
    else high = middle;
  }
  return low;
}

const table = (header: string[], rows: string[][]) =>
  [header, header.map(() => "---"), ...rows].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
const interval = (seconds: number) => (seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`);
const fmt = (n: number) => n.toLocaleString("en-US");
/** The search stops at a million nodes. */
const nodesText = (n: number) => (n >= 1_000_000 ? "> 1,000,000" : fmt(n));

const CLUSTERS: [number, number, number, number][] = [
  // nodes, pods per node, secrets, interval (s)
  [10, 30, 10, 30],
  [50, 30, 10, 30],
  [100, 30, 10, 120],
  [100, 30, 20, 30],
  [500, 30, 10, 120],
  [1000, 30, 10, 120],
  [1000, 110, 20, 300],
  [5000, 30, 10, 600],
];

const peaks = table(
  [
    "nodes × pods",
    "secrets",
    "interval",
    ...MODELS.map((model) => `${model.name}: busiest 10 s`),
    "average reads / 10 s, this driver : per volume",
  ],
  CLUSTERS.map(([nodes, pods, secrets, seconds]) => [
    `${fmt(nodes)} × ${pods}`,
    String(secrets),
    interval(seconds),
    ...MODELS.map((model) => {
      const value = peak(model, nodes, pods, secrets, seconds);
      return `${fmt(value)}${value > LIMIT_PER_10_S ? " **over**" : ""}`;
    }),
    `${fmt(Math.round((nodes * secrets * 10) / seconds))}` +
      ` : ${fmt(Math.round((nodes * pods * secrets * 10) / seconds))}`,
  ]),
);

const SIZES: [number, number, number][] = [
  [30, 10, 30],
  [30, 10, 120],
  [30, 10, 600],
  [30, 20, 30],
  [30, 20, 120],
  [110, 10, 120],
  [110, 20, 300],
];
const limits = table(
  ["pods per node", "secrets", "interval", ...MODELS.map((model) => `${model.name}: most nodes`)],
  SIZES.map(([pods, secrets, seconds]) => [
    String(pods),
    String(secrets),
    interval(seconds),
    ...MODELS.map((model) => nodesText(largestUnderLimit(model, pods, secrets, seconds))),
  ]),
);

process.stdout.write(
  `Busiest 10-s window of Key Vault reads (limit ${fmt(LIMIT_PER_10_S)}); every pod's volume reads the same ` +
    `secrets with one service principal.\n\n${peaks}\n\n` +
    `Largest cluster that stays within the limit:\n\n${limits}\n`,
);
