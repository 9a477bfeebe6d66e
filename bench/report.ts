// The bench's markdown: the machine, the bare runtime start, the init and mount tables,
// the targets from issue 5, and (with --compare) ours and theirs side by side.
import { cpus } from "node:os";
import type { BenchOptions } from "./options";
import { boundRatio, lowerBoundMs, medianMs, medianOf, type BareStarts, type Row } from "./rows";

export interface Measurements {
  bare: BareStarts;
  rows: Row[];
}

const TARGETS = { mountOf100At20: 1.5, init: 1.15, singleSecret: 2, peakRssMb: 80 };

const fixed = (value: number | undefined, digits = 0) => (value === undefined ? "n/a" : value.toFixed(digits));
const table = (header: string[], lines: string[][]) =>
  [header, header.map(() => "---"), ...lines].map((cells) => `| ${cells.join(" | ")} |`).join("\n");

const ratio = (row: Row, options: BenchOptions) => boundRatio(row, options.concurrency);

const IDENTITY_LABEL: Readonly<Record<Row["identity"], string>> = { servicePrincipal: "service principal", workloadIdentity: "workload identity" };

function initTable(m: Measurements, options: BenchOptions): string {
  const rows = m.rows.filter((row) => row.call === "init" && !row.failure);
  return table(
    ["init of", "median ms", "× bare start", "peak RSS MB"],
    rows.map((row) => [row.artifact.label, fixed(medianMs(row), 1), fixed(ratio(row, options), 2), fixed(medianOf(row, (s) => s.peakRssMb), 1)]),
  );
}

function mountTable(m: Measurements, options: BenchOptions): string {
  const rows = m.rows.filter((row) => row.call === "mount" && !row.failure);
  return table(
    ["objects", "latency ms", "identity", "driver", "median ms", "lower bound ms", "× bound", "requests KV / AAD / Kubernetes", "peak concurrency", "peak RSS MB"],
    rows.map((row) => [
      String(row.objects),
      String(row.latencyMs),
      IDENTITY_LABEL[row.identity],
      row.artifact.label,
      fixed(medianMs(row)),
      fixed(lowerBoundMs(row, options.concurrency)),
      fixed(ratio(row, options), 2),
      `${fixed(medianOf(row, (s) => s.traffic?.keyVaultRequests))} / ${fixed(medianOf(row, (s) => s.traffic?.aadRequests))} / ${fixed(medianOf(row, (s) => s.traffic?.kubernetesRequests))}`,
      fixed(medianOf(row, (s) => s.traffic?.peakConcurrency)),
      fixed(medianOf(row, (s) => s.peakRssMb), 1),
    ]),
  );
}

/** Each of our rows next to the --compare executable's same row. */
function compareTable(m: Measurements, options: BenchOptions): string {
  const theirs = m.rows.filter((row) => !row.artifact.ours);
  const lines = m.rows
    .filter((row) => row.artifact.ours)
    .map((row) => {
      const other = theirs.find((t) => t.call === row.call && t.objects === row.objects && t.latencyMs === row.latencyMs && t.identity === row.identity);
      const what = row.call === "init" ? "init" : `mount ${row.objects} @ ${row.latencyMs} ms`;
      const measured = other && !other.failure;
      return [
        what,
        row.artifact.label,
        `${fixed(medianMs(row))} (${fixed(ratio(row, options), 2)}×)`,
        measured ? `${fixed(medianMs(other))} (${fixed(ratio(other, options), 2)}×)` : `failed: ${(other?.failure ?? "not run").replace(/[|\n]/g, " ").slice(0, 200)}`,
        measured ? fixed(medianMs(other) / medianMs(row), 2) : "n/a",
      ];
    });
  const label = theirs[0]?.artifact.label ?? "compare";
  return table(["call", "ours", "ours ms (× bound)", `${label} ms (× bound)`, "theirs ÷ ours"], lines);
}

function verdict(met: boolean): string {
  return met ? "met" : "**missed**";
}

function targets(m: Measurements, options: BenchOptions): string {
  const ours = m.rows.filter((row) => row.artifact.ours);
  const lines: string[] = [];
  for (const row of ours) {
    const r = ratio(row, options);
    const label = row.artifact.label;
    if (row.call === "init") lines.push(`- init of ${label}: ${fixed(r, 2)}× bare start (target ≤ ${TARGETS.init}×): ${verdict(r <= TARGETS.init)}`);
    else if (row.objects === 100 && row.latencyMs === 20) lines.push(`- 100 objects at 20 ms, ${label}: ${fixed(r, 2)}× bound (target ≤ ${TARGETS.mountOf100At20}×): ${verdict(r <= TARGETS.mountOf100At20)}`);
    else if (row.objects === 1) lines.push(`- 1 secret at ${row.latencyMs} ms as ${IDENTITY_LABEL[row.identity]}, ${label}: ${fixed(r, 2)}× bound (target ≤ ${TARGETS.singleSecret}×): ${verdict(r <= TARGETS.singleSecret)}`);
  }
  const rss = ours.filter((row) => row.call === "mount").map((row) => medianOf(row, (s) => s.peakRssMb) ?? NaN);
  const peak = Math.max(...rss);
  if (Number.isFinite(peak)) lines.push(`- peak RSS of a mount (largest row median): ${fixed(peak, 1)} MB (target < ${TARGETS.peakRssMb} MB): ${verdict(peak < TARGETS.peakRssMb)}`);
  return lines.join("\n");
}

export function renderResults(m: Measurements, options: BenchOptions): string {
  const cpu = cpus();
  const parts = [
    "# Benchmark results",
    "",
    `${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? "unknown CPU"}; ` +
      `median of ${options.runs} runs per row after one warm-up; the stand-ins add the latency to every Azure AD, Key Vault and Kubernetes API request; ` +
      `all traffic goes through the stand-in's HTTPS proxy. Produced by \`npm run bench\` (see docs/performance.md).`,
    "",
    `Bare runtime start (\`node -e 0\`, timed before every sample): ${fixed(m.bare.plainMs, 1)} ms in a node's plain environment (the bound of \`init\`), ` +
      `${fixed(m.bare.standInMs, 1)} ms with the stand-in's NODE_EXTRA_CA_CERTS and proxy variables (the start of every mount's bound); medians. ` +
      `Lower bound of a mount = that bare start + (token round trips + ⌈objects / ${options.concurrency}⌉ read round trips) × latency, the token taking 1 round trip for a service principal and 2 for workload identity (the TokenRequest, then Azure AD). ` +
      `× bound is the median of each sample's time over the bound from the bare start timed just before it.`,
    "",
    "## init",
    "",
    initTable(m, options),
    "",
    "## mount",
    "",
    mountTable(m, options),
    "",
    "## Targets",
    "",
    targets(m, options),
  ];
  if (options.compare) parts.push("", "## Side by side with --compare", "", compareTable(m, options));
  return parts.join("\n") + "\n";
}
