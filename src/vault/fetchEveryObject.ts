// A mount is all or nothing: the files of every object, or an error naming each object
// that has none. Nothing is written until all of them have arrived.
import { FetchError, IdentityError } from "../errors";
import type { KeyVault } from "../model/keyVault";
import type { ObjectSpec } from "../model/objectSpec";
import type { VolumeFile } from "../model/volumeFile";
import type { FailureContext } from "./failures";
import { fetchObjects, type FetchDeadline, type FetchOptions, type FetchResult } from "./fetchObjects";

/** A mount's fetch: one deadline for all of it, which `signal` says has passed. */
export type MountFetchOptions = FetchOptions & { deadline: { signal: AbortSignal } };

/**
 * When the deadline passes while no token has come, the identity source is what kept every
 * object waiting, and is named instead of the objects.
 */
function noTokenError(context: FailureContext, { seconds, whose = "mount" }: FetchDeadline): IdentityError {
  return new IdentityError(
    `no token for ${context.principal} before the ${whose}'s ${seconds}s deadline passed (option mounttimeout), ` +
      `so nothing was fetched from key vault ${context.vaultName}; ` +
      "check that the node reaches its identity endpoint: Azure AD for a service principal (directly or through " +
      "HTTPS_PROXY), NMI for pod identity, IMDS for a managed identity, " +
      "the Kubernetes API server and Azure AD for workload identity",
  );
}

/** Every object's file, or the error for all of them (the refresher's shared fetch decides per volume too). */
export function allOrNothing(
  { outcomes, identityError, deadlinePassed }: FetchResult,
  context: FailureContext,
  deadline: FetchDeadline,
): VolumeFile[] {
  const failures = outcomes.flatMap((outcome) => (outcome.ok ? [] : [outcome.failure]));
  if (deadlinePassed) {
    throw context.awaitingToken ? noTokenError(context, deadline) : new FetchError(context.vaultName, failures);
  }
  if (identityError) throw identityError;
  if (failures.length > 0) {
    failures.sort((a, b) => a.object.localeCompare(b.object));
    throw new FetchError(context.vaultName, failures);
  }
  return outcomes.flatMap((outcome) =>
    outcome.ok ? [{ fileName: outcome.spec.fileName, content: outcome.content }] : [],
  );
}

export async function fetchEveryObject(
  vault: KeyVault,
  specs: readonly ObjectSpec[],
  failureContext: () => FailureContext,
  options: MountFetchOptions,
): Promise<VolumeFile[]> {
  const result = await fetchObjects(vault, specs, failureContext, options);
  return allOrNothing(result, failureContext(), options.deadline);
}
