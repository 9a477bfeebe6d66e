// `kv check --fetch`: fetches every object of a valid volume, as a mount would (16 at a
// time, one token), and keeps each object's outcome instead of stopping at the first
// failure. Writes nothing. Loads the Azure SDK: imported only when --fetch is given.
import { readFileSync } from "node:fs";
import { resolveCloud, type CloudEnvironment } from "../clouds";
import { messageOf } from "../log";
import type { VolumeOptions } from "../model/volumeOptions";
import type { IdentityError } from "../errors";
import { FETCH_CONCURRENCY, fetchObject } from "../vault/fetchObjects";
import { forEachConcurrently } from "../vault/workPool";
import { openVault } from "../vault/openVault";
import type { FetchOutcome, ObjectResult, VolumeCheck } from "./checkResult";
import { fetchIdentity, type CheckCredentials } from "./fetchIdentity";

async function fetchAll(options: VolumeOptions): Promise<FetchOutcome> {
  let cloud: CloudEnvironment;
  try {
    cloud = resolveCloud(options.cloudName, process.env, (path) => readFileSync(path, "utf8"));
  } catch (error) {
    return { status: "failed", reason: messageOf(error) };
  }
  const { vault, context } = openVault(options, cloud, Math.min(options.objects.length, FETCH_CONCURRENCY));
  const objects: ObjectResult[] = new Array(options.objects.length);
  let identityError: IdentityError | undefined;
  // As a mount fetches, but each object gets the mount's deadline (mounttimeout) to itself:
  // a check reports every object's own outcome.
  await forEachConcurrently(
    options.objects,
    FETCH_CONCURRENCY,
    async (spec, index) => {
      const outcome = await fetchObject(vault, spec, context, AbortSignal.timeout(options.mountTimeoutSeconds * 1000));
      if (!outcome.ok && outcome.identityError) identityError ??= outcome.identityError;
      objects[index] = outcome.ok ? { spec, ok: true, bytes: outcome.content.length } : { spec, ok: false, failure: outcome.failure };
    },
    () => identityError !== undefined,
  );
  if (identityError) return { status: "failed", reason: `cannot get an access token as ${context.principal}: ${identityError.message}` };
  return { status: "fetched", principal: context.principal, objects };
}

/** Fills in `fetch` of every valid volume, one volume after another. */
export async function fetchVolumes(checks: readonly VolumeCheck[], credentials?: CheckCredentials): Promise<VolumeCheck[]> {
  const fetched: VolumeCheck[] = [];
  for (const check of checks) {
    if (!check.options) {
      fetched.push(check);
      continue;
    }
    const identity = fetchIdentity(check.options, check.secretRef, credentials);
    const fetch = "skip" in identity ? { status: "skipped" as const, reason: identity.skip } : await fetchAll({ ...check.options, identity });
    fetched.push({ ...check, fetch });
  }
  return fetched;
}
