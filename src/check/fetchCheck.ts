// `kv check --fetch`: fetches every object of a valid volume with the mount's own fetch
// loop (16 at a time, one token; a few volumes at once), and keeps each object's outcome instead of stopping at
// the first failure. Writes nothing. Loads the Azure SDK: imported only when --fetch is given.
import { readFileSync } from "node:fs";
import { resolveCloud, type CloudEnvironment } from "../clouds";
import { messageOf } from "../log";
import type { VolumeOptions } from "../model/volumeOptions";
import { FETCH_CONCURRENCY, fetchObjects, type ObjectOutcome } from "../vault/fetchObjects";
import { openVault } from "../vault/openVault";
import { forEachConcurrently } from "../vault/workPool";
import type { FetchOutcome, ObjectResult, VolumeCheck } from "./checkResult";
import { fetchIdentity, type CheckCredentials } from "./fetchIdentity";

/** An object's outcome as the report shows it: its size, never its content. */
function resultOf(outcome: ObjectOutcome): ObjectResult {
  return outcome.ok
    ? { spec: outcome.spec, ok: true, bytes: outcome.content.length }
    : { spec: outcome.spec, ok: false, failure: outcome.failure };
}

async function fetchAll(options: VolumeOptions): Promise<FetchOutcome> {
  let cloud: CloudEnvironment;
  try {
    cloud = resolveCloud(options.cloudName, process.env, (path) => readFileSync(path, "utf8"));
  } catch (error) {
    return { status: "failed", reason: messageOf(error) };
  }
  const { vault, failureContext } = openVault(options, cloud, {
    connectionsAhead: Math.min(options.objects.length, FETCH_CONCURRENCY),
    // The token (a workload identity's Kubernetes calls) within the time each object gets.
    deadline: AbortSignal.timeout(options.mountTimeoutSeconds * 1000),
  });
  // As a mount fetches, but each object gets the mount's deadline (mounttimeout) to itself:
  // a check reports every object's own outcome.
  const { outcomes, identityError } = await fetchObjects(vault, options.objects, failureContext, {
    concurrency: FETCH_CONCURRENCY,
    deadline: { seconds: options.mountTimeoutSeconds },
  });
  const { principal } = failureContext();
  if (identityError)
    return { status: "failed", reason: `cannot get an access token as ${principal}: ${identityError.message}` };
  return { status: "fetched", principal, objects: outcomes.map(resultOf) };
}

/** Volumes fetched at once, each its objects FETCH_CONCURRENCY at a time: a vault sees at most 64 requests. */
const VOLUMES_AT_ONCE = 4;

/** Fills in `fetch` of every valid volume, VOLUMES_AT_ONCE volumes at a time, in the manifest's order. */
export async function fetchVolumes(
  checks: readonly VolumeCheck[],
  credentials?: CheckCredentials,
): Promise<VolumeCheck[]> {
  const fetched = [...checks];
  await forEachConcurrently(checks, VOLUMES_AT_ONCE, async (check, index) => {
    if (!check.options) return;
    const identity = fetchIdentity(check.options, check.secretRef, credentials);
    const fetch =
      "skip" in identity
        ? { status: "skipped" as const, reason: identity.skip }
        : await fetchAll({ ...check.options, identity });
    fetched[index] = { ...check, fetch };
  });
  return fetched;
}
