// The bench's markdown: the machine, the bare runtime start, the init and mount tables,
// issue 11's goals, and (with --compare) ours and theirs side by side.
import { cpus } from "node:os";
import type { BenchOptions } from "./options";
import { boundRatio, lowerBoundMs, medianMs, medianOf, type BareStarts, type Row } from "./rows";

export interface Measurements {
  bare: BareStarts;
  rows: Row[];
}

const GOALS = { initOverBareStart: 1.15, mountOverPrevious: 1.1, oneSecretPeakRssMb: 64 };

const fixed = (value: number | undefined, digits = 0) => (value === undefined ? "n/a" : value.toFixed(digits));
const table = (header: string[], lines: string[][]) =>
  [header, header.map(() => "---"), ...lines].map((cells) => `| ${cells.join(" | ")} |`).join("\n");

const ratio = (row: Row, options: BenchOptions) => boundRatio(row, options.concurrency);
const isExecutable = (row: Row) => !row.artifact.path.endsWith(".js");
/** The same call, size, latency and identity: a row of ours and its --compare twin. */
const sameRow = (a: Row, b: Row) =>
  a.call === b.call && a.objects === b.objects && a.latencyMs === b.latencyMs && a.identity === b.identity;

const IDENTITY_LABEL: Readonly<Record<Row["identity"], string>> = {
  servicePrincipal: "service principal",
  workloadIdentity: "workload identity",
};

function initTable(m: Measurements, options: BenchOptions): string {
  const rows = m.rows.filter((row) => row.call === "init" && !row.failure);
  return table(
    ["init of", "median ms", "× bare start", "peak RSS MB"],
    rows.map((row) => [
      row.artifact.label,
      fixed(medianMs(row), 1),
      fixed(ratio(row, options), 2),
      fixed(
        medianOf(row, (s) => s.peakRssMb),
        1,
      ),
    ]),
  );
}

function mountTable(m: Measurements, options: BenchOptions): string {
  const rows = m.rows.filter((row) => row.call === "mount" && !row.failure);
  return table(
    [
      "objects",
      "latency ms",
      "identity",
      "driver",
      "median ms",
      "lower bound ms",
      "× bound",
      "requests KV / AAD / Kubernetes",
      "peak concurrency",
      "peak RSS MB",
    ],
    rows.map((row) => [
      String(row.objects),
      String(row.latencyMs),
      IDENTITY_LABEL[row.identity],
      row.artifact.label,
      fixed(medianMs(row)),
      fixed(lowerBoundMs(row, options.concurrency)),
      fixed(ratio(row, options), 2),
      [
        medianOf(row, (s) => s.traffic?.keyVaultRequests),
        medianOf(row, (s) => s.traffic?.aadRequests),
        medianOf(row, (s) => s.traffic?.kubernetesRequests),
      ]
        .map((count) => fixed(count))
        .join(" / "),
      fixed(medianOf(row, (s) => s.traffic?.peakConcurrency)),
      fixed(
        medianOf(row, (s) => s.peakRssMb),
        1,
      ),
    ]),
  );
}

/** Each of our rows next to the --compare executable's same row. */
function compareTable(m: Measurements, options: BenchOptions): string {
  const theirs = m.rows.filter((row) => !row.artifact.ours);
  const lines = m.rows
    .filter((row) => row.artifact.ours)
    .map((row) => {
      const other = theirs.find((t) => sameRow(t, row));
      const what =
        row.call === "init" ? "init" : `mount ${row.objects} @ ${row.latencyMs} ms, ${IDENTITY_LABEL[row.identity]}`;
      const measured = other && !other.failure;
      return [
        what,
        row.artifact.label,
        `${fixed(medianMs(row))} (${fixed(ratio(row, options), 2)}×)`,
        measured
          ? `${fixed(medianMs(other))} (${fixed(ratio(other, options), 2)}×)`
          : other
            ? `failed: ${(other.failure ?? "").replace(/[|\n]/g, " ").slice(0, 200)}`
            : "not run (a row it has no counterpart for)",
        measured ? fixed(medianMs(other) / medianMs(row), 2) : "n/a",
      ];
    });
  const label = theirs[0]?.artifact.label ?? "compare";
  return table(["call", "ours", "ours ms (× bound)", `${label} ms (× bound)`, "theirs ÷ ours"], lines);
}

function verdict(met: boolean): string {
  return met ? "met" : "**missed**";
}

/**
 * Issue 11's goals, in absolute times: the executable against the previous one (--compare)
 * in the same run, init against the bare start of the runtime it embeds, and the memory of
 * a one-secret mount. The × bound column is a diagnostic, never a goal: its bound moves
 * with the runtime.
 */
function goals(m: Measurements, options: BenchOptions): string {
  const ours = m.rows.filter((row) => row.artifact.ours && isExecutable(row) && !row.failure);
  const theirs = m.rows.filter((row) => !row.artifact.ours && !row.failure);
  const lines: string[] = [];
  for (const row of ours.filter((r) => r.call === "init")) {
    const r = ratio(row, options);
    lines.push(
      `- init of ${row.artifact.label}: ${fixed(r, 2)}× the bare start of its own runtime ` +
        `(goal ≤ ${GOALS.initOverBareStart}×): ${verdict(r <= GOALS.initOverBareStart)}`,
    );
  }
  for (const row of ours.filter((r) => r.call === "mount")) {
    const other = theirs.find((t) => sameRow(t, row));
    if (!other) continue;
    const [mine, previous] = [medianMs(row), medianMs(other)];
    const change = (mine / previous - 1) * 100;
    lines.push(
      `- mount of ${row.objects} at ${row.latencyMs} ms as ${IDENTITY_LABEL[row.identity]}: ${fixed(mine)} ms ` +
        `against ${fixed(previous)} ms for ${other.artifact.label} ` +
        `(${change >= 0 ? "+" : ""}${fixed(change)} %; goal: ` +
        `within +${fixed((GOALS.mountOverPrevious - 1) * 100)}` +
        ` %): ${verdict(mine <= previous * GOALS.mountOverPrevious)}`,
    );
  }
  if (!options.compare)
    lines.push("- mount rows: judged against the previous executable, `--compare <executable>`; not given in this run");
  for (const row of ours.filter((r) => r.call === "mount" && r.objects === 1 && r.identity === "servicePrincipal")) {
    const rss = medianOf(row, (s) => s.peakRssMb);
    if (rss !== undefined)
      lines.push(
        `- peak RSS of a one-secret ` +
          `mount at ${row.latencyMs} ms: ${fixed(rss, 1)} MB (goal < ${GOALS.oneSecretPeakRssMb}` +
          ` MB): ${verdict(rss < GOALS.oneSecretPeakRssMb)}`,
      );
  }
  return lines.join("\n");
}

export function renderResults(m: Measurements, options: BenchOptions): string {
  const cpu = cpus();
  const parts = [
    "# Benchmark results",
    "",
    `${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ` +
      `${cpu.length} × ${cpu[0]?.model ?? "unknown CPU"}; ` +
      `median of ${options.runs} runs per row after one warm-up; the stand-ins add the latency to every Azure ` +
      `AD, Key Vault and Kubernetes API request; ` +
      `all traffic goes through the stand-in's HTTPS proxy. Produced by \`npm run bench\` (see docs/performance.md).`,
    "",
    `Bare runtime start (\`node -e 0\`, timed before every sample): ${fixed(m.bare.plainMs, 1)} ms in a node's ` +
      `plain environment (the bound of \`init\`), ` +
      `${fixed(m.bare.standInMs, 1)} ms with the stand-in's NODE_EXTRA_CA_CERTS and proxy variables (the start ` +
      `of every mount's bound); medians. ` +
      `Lower bound of a mount = that bare start + (token round trips + ⌈objects / ${options.concurrency}⌉ read round ` +
      `trips) × latency, the token taking 1 round trip for a service principal and 2 for workload identity ` +
      `(the TokenRequest, then Azure AD). ` +
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
    "## Goals",
    "",
    goals(m, options),
  ];
  if (options.compare) parts.push("", "## Side by side with --compare", "", compareTable(m, options));
  return parts.join("\n") + "\n";
}
