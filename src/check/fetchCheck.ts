// `kv check --fetch`: fetches every object of a valid volume, as a mount would, and keeps each
// object's outcome instead of stopping at the first failure. Writes nothing. Loads the Azure SDK:
// imported only when --fetch is given.
import { readFileSync } from "node:fs";
import { resolveCloud, type CloudEnvironment } from "../clouds";
import { messageOf } from "../log";
import type { VolumeOptions } from "../options/volumeOptions";
import { fetchObject } from "../vault/fetchObjects";
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
  const { vault, context } = openVault(options, cloud);
  const objects: ObjectResult[] = [];
  for (const spec of options.objects) {
    // One object after another, so each gets the mount's deadline (mounttimeout) to itself.
    const outcome = await fetchObject(vault, spec, context, AbortSignal.timeout(options.mountTimeoutSeconds * 1000));
    if (!outcome.ok && outcome.identityError) return { status: "failed", reason: `cannot get an access token as ${context.principal}: ${outcome.identityError.message}` };
    objects.push(outcome.ok ? { spec, ok: true, bytes: outcome.content.length } : { spec, ok: false, failure: outcome.failure });
  }
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
