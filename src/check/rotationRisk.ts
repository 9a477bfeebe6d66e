// `kv check`'s note on a rotating volume that may get a vault throttled: each node running the
// pod reads every object once per interval (docs/rotation-at-scale.md has the model).
import type { VolumeOptions } from "../model/volumeOptions";

/** Key Vault's limit for secret reads: 4,000 transactions per 10 s per vault and region. */
const VAULT_READS_PER_SECOND = 4000 / 10;
/** Intervals under this, on volumes that fetch at least MANY_OBJECTS objects, get the note. */
const SHORT_INTERVAL_SECONDS = 300;
const MANY_OBJECTS = 10;

/** 90 → "1m30s": as the option is written. */
export function intervalText(seconds: number): string {
  const [h, m, s] = [Math.floor(seconds / 3600), Math.floor((seconds % 3600) / 60), seconds % 60];
  return [h && `${h}h`, m && `${m}m`, s && `${s}s`].filter(Boolean).join("");
}

export function rotationRisk({ rotationIntervalSeconds: interval, objects }: VolumeOptions): string | undefined {
  if (interval === undefined || interval >= SHORT_INTERVAL_SECONDS) return undefined;
  const fetched = objects.filter((object) => !object.version).length;
  if (fetched < MANY_OBJECTS) return undefined;
  const nodes = Math.floor((VAULT_READS_PER_SECOND * interval) / fetched);
  return (
    `rotationpollinterval ${intervalText(interval)} with ${fetched} objects is a Key Vault throttling risk: ` +
    `every node running this pod reads them all every ${intervalText(interval)} ` +
    `(shared only with the node's other volumes of the same credentials), so about ${nodes} such nodes alone ` +
    `reach the vault's limit of 4,000 reads per 10 s; ` +
    "consider 5m or more (see docs/rotation-at-scale.md)"
  );
}
