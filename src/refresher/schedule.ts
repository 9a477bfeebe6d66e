// When each volume is refreshed. Pure: times in, times out.
//
// A node refreshes the volumes of one interval together, on ticks `phase + k × interval`, so
// the volumes that share objects share each pass's requests (sharedFetches.ts). The phase is
// the node's own, from its host name: the nodes of a cluster are spread evenly over the whole
// interval instead of polling in step (the vault then sees a steady rate, not a burst per
// interval), and a node keeps its phase when the refresher restarts. Intervals that divide
// one another share ticks too (every 2m tick is a 1m tick).
import { createHash } from "node:crypto";

const DAY_MS = 86_400_000;

/** The node's phase in [0, 1 day): uniform over the nodes of a cluster, stable for one node. */
export function nodePhaseMs(hostname: string): number {
  return createHash("sha256").update(hostname).digest().readUIntBE(0, 6) % DAY_MS;
}

/** The first tick of `intervalMs` after `afterMs`. */
export function nextTick(intervalMs: number, afterMs: number, phaseMs: number): number {
  return phaseMs + (Math.floor((afterMs - phaseMs) / intervalMs) + 1) * intervalMs;
}

/**
 * When a volume refreshed (or mounted) at `refreshedAtMs` is next due: the first tick at least
 * half an interval later, so a volume is refreshed every interval once on the node's ticks,
 * and its first refresh after a mount comes 0.5 to 1.5 intervals after it.
 */
export function nextDue(intervalMs: number, refreshedAtMs: number, phaseMs: number): number {
  return nextTick(intervalMs, refreshedAtMs + intervalMs / 2, phaseMs);
}

const FIRST_RETRY_MS = 10_000;

/**
 * After `failures` failed refreshes in a row: 10 s, 20 s, 40 s, ... each ±20 % (`random` in
 * [0, 1)) so that the retries of a vault's many volumes that failed together (throttling) do
 * not come back together, and never later than the interval: the cap comes after the jitter.
 */
export function retryDelayMs(failures: number, intervalMs: number, random: number): number {
  const backoff = FIRST_RETRY_MS * 2 ** Math.min(failures - 1, 20);
  return Math.min(intervalMs, Math.round(backoff * (0.8 + 0.4 * random)));
}
