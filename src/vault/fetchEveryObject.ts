// A mount is all or nothing: the files of every object, or an error naming each object
// that has none. Nothing is written until all of them have arrived.
import { FetchError, IdentityError } from "../errors";
import type { KeyVault } from "../model/keyVault";
import type { ObjectSpec } from "../model/objectSpec";
import type { VolumeFile } from "../model/volumeFile";
import type { FailureContext } from "./failures";
import { fetchObjects, type FetchOptions } from "./fetchObjects";

/** A mount's fetch: one deadline for all of it, which `signal` says has passed. */
export type MountFetchOptions = FetchOptions & { deadline: { signal: AbortSignal } };

/**
 * When the deadline passes while no token has come, the identity source is what kept every
 * object waiting, and is named instead of the objects.
 */
function noTokenError(context: FailureContext, seconds: number): IdentityError {
  return new IdentityError(
    `no token for ${context.principal} before the mount's ${seconds}s deadline passed (option mounttimeout), ` +
      `so nothing was fetched from key vault ${context.vaultName}; ` +
      "check that the node reaches its identity endpoint: Azure AD for a service principal (directly or through " +
      "HTTPS_PROXY), NMI for pod identity, IMDS for a managed identity, " +
      "the Kubernetes API server and Azure AD for workload identity",
  );
}

export async function fetchEveryObject(
  vault: KeyVault,
  specs: readonly ObjectSpec[],
  failureContext: () => FailureContext,
  options: MountFetchOptions,
): Promise<VolumeFile[]> {
  const { outcomes, identityError, deadlinePassed } = await fetchObjects(vault, specs, failureContext, options);
  const failures = outcomes.flatMap((outcome) => (outcome.ok ? [] : [outcome.failure]));
  if (deadlinePassed) {
    const context = failureContext();
    throw context.awaitingToken
      ? noTokenError(context, options.deadline.seconds)
      : new FetchError(context.vaultName, failures);
  }
  if (identityError) throw identityError;
  if (failures.length > 0) {
    failures.sort((a, b) => a.object.localeCompare(b.object));
    throw new FetchError(failureContext().vaultName, failures);
  }
  return outcomes.flatMap((outcome) =>
    outcome.ok ? [{ fileName: outcome.spec.fileName, content: outcome.content }] : [],
  );
}
