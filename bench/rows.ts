// What the bench measures: one row per call, artifact, object count and latency; each
// row keeps its timed samples and knows the lower bound it is compared with.
import { median } from "./timedRun";
import type { MountTraffic } from "./standInVault";

/**
 * Round trips a mount must spend on its token before the first read: the token request
 * (workload identity: the TokenRequest to the Kubernetes API, then Azure AD's exchange).
 * Key Vault's 401 challenge is not counted: it can be skipped (the driver does).
 */
export const TOKEN_ROUND_TRIPS: Readonly<Record<MountIdentity, number>> = { servicePrincipal: 1, workloadIdentity: 2 };

/** Whose token a mount row uses. */
export type MountIdentity = "servicePrincipal" | "workloadIdentity";

export interface Artifact {
  /** How the table names it, e.g. `node dist/kv.js`. */
  label: string;
  path: string;
  /** This repository's driver, as opposed to a --compare executable. */
  ours: boolean;
}

export interface Sample {
  ms: number;
  /** `node -e 0` in the same environment, timed just before this sample: the start of its bound. */
  bareMs: number;
  peakRssMb?: number;
  traffic?: MountTraffic;
}

export interface Row {
  call: "init" | "mount";
  artifact: Artifact;
  objects: number;
  latencyMs: number;
  identity: MountIdentity;
  samples: Sample[];
  /** Why a --compare executable's row stopped (ours must never fail: the bench stops instead). */
  failure?: string;
}

export const medianMs = (row: Row) => median(row.samples.map((s) => s.ms));

export function medianOf(row: Row, pick: (sample: Sample) => number | undefined): number | undefined {
  const values = row.samples.map(pick).filter((v): v is number => v !== undefined);
  return values.length ? median(values) : undefined;
}

/** `node -e 0` in the environment of each kind of call: medians of every sample's own. */
export interface BareStarts {
  /** A node's plain environment, as kubelet runs `init`. */
  plainMs: number;
  /** The stand-in's environment: NODE_EXTRA_CA_CERTS alone costs Node about 20 ms at start. */
  standInMs: number;
}

/** The runtime's bare start, plus for a mount: its token round trip and one round trip per batch of reads. */
function sampleBoundMs(row: Row, sample: Sample, concurrency: number): number {
  if (row.call === "init") return sample.bareMs;
  return sample.bareMs + (TOKEN_ROUND_TRIPS[row.identity] + Math.ceil(row.objects / concurrency)) * row.latencyMs;
}

export const lowerBoundMs = (row: Row, concurrency: number) =>
  median(row.samples.map((s) => sampleBoundMs(row, s, concurrency)));

/**
 * Median of each sample's time over its own bound: a bare start timed just before it, so
 * the machine's drift (a shared VM's) touches both sides of each ratio alike.
 */
export const boundRatio = (row: Row, concurrency: number) =>
  median(row.samples.map((s) => s.ms / sampleBoundMs(row, s, concurrency)));
