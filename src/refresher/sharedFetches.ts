// Volumes of one pass that use the same credentials and the same vault share one session (one
// token) and one request per object: a node's hundred pods reading one secret make one
// request, not a hundred. The identity of the pod (pod identity, workload identity) is never
// shared: its token is the pod's own, and another pod's volume must not get what only this
// pod may read.
import { createHash } from "node:crypto";
import type { CloudEnvironment } from "../clouds";
import type { KeyVault, ReadOptions } from "../model/keyVault";
import type { ObjectSpec } from "../model/objectSpec";
import type { VolumeOptions } from "../model/volumeOptions";
import type { VolumeFile } from "../model/volumeFile";
import { allOrNothing } from "../vault/fetchEveryObject";
import { FETCH_CONCURRENCY, fetchObjects, pendingAtDeadline, type FetchDeadline } from "../vault/fetchObjects";
import { openVault } from "../vault/openVault";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * Who a volume's requests are made as, as far as they may be shared: the same service
 * principal (tenant, client id and secret) or the same node managed identity. Any other
 * identity is the pod's own: a key of the volume alone.
 */
export function credentialKey(options: VolumeOptions, dir: string): string {
  const { identity, tenantId } = options;
  switch (identity.kind) {
    case "servicePrincipal":
      // Hashed: a key may end up in a debugger or a heap dump, never the secret itself.
      return `service principal ${tenantId} ${identity.clientId} ${sha256(identity.clientSecret)}`;
    case "managedIdentity":
      return `managed identity ${tenantId} ${identity.clientId ?? "system-assigned"}`;
    default:
      return `volume ${dir}`;
  }
}

/** One request per (kind, object, version); names and versions are case-insensitive in Key Vault. */
function requestKey(spec: Pick<ObjectSpec, "type" | "name" | "version">): string {
  return `${spec.type} ${spec.name.toLowerCase()} ${spec.version.toLowerCase()}`;
}

/** A KeyVault whose reads are made once per object; every later read of it gets the same answer. */
interface ReadOnce {
  vault: KeyVault;
  /** Whether a read of the object was started (asked of the vault). */
  started(spec: ObjectSpec): boolean;
  /** Whether its answer (or failure) has come. */
  settled(spec: ObjectSpec): boolean;
}

function readOnce(vault: KeyVault): ReadOnce {
  const reads = new Map<string, Promise<unknown>>();
  const settled = new Set<string>();
  const once = <T>(type: ObjectSpec["type"], name: string, read: ReadOptions, get: () => Promise<T>): Promise<T> => {
    const key = requestKey({ type, name, version: read.version });
    let answer = reads.get(key) as Promise<T> | undefined;
    if (!answer) {
      reads.set(key, (answer = get()));
      const done = () => void settled.add(key);
      answer.then(done, done);
    }
    return answer;
  };
  return {
    vault: {
      getSecret: (name, read) => once("secret", name, read, () => vault.getSecret(name, read)),
      getKey: (name, read) => once("key", name, read, () => vault.getKey(name, read)),
      getCertificate: (name, read) => once("cert", name, read, () => vault.getCertificate(name, read)),
    },
    started: (spec) => reads.has(requestKey(spec)),
    settled: (spec) => settled.has(requestKey(spec)),
  };
}

/** The volumes of one pass that share a session: same credentials, cloud and vault. */
export interface FetchGroup<V> {
  key: string;
  volumes: V[];
}

export function groupByCredentials<V extends { dir: string; options: VolumeOptions }>(
  volumes: readonly V[],
): FetchGroup<V>[] {
  const groups = new Map<string, V[]>();
  for (const volume of volumes) {
    const { options, dir } = volume;
    const key = `${credentialKey(options, dir)}|${options.cloudName}|${options.vaultName.toLowerCase()}`;
    groups.set(key, [...(groups.get(key) ?? []), volume]);
  }
  return [...groups].map(([key, members]) => ({ key, volumes: members }));
}

/** Key Vault requests made, by result: "ok" or the failure's cause (SDK retries inside one are not counted). */
export type RequestCounts = Map<string, number>;

export interface SharedSession {
  /**
   * A volume's files from what the prefetch got, all or nothing, without a request of its own:
   * an object still pending at the deadline fails it (cause timeout); a token failure fails it.
   */
  volumeFiles(specs: readonly ObjectSpec[]): Promise<VolumeFile[]>;
  /** What the prefetch asked Key Vault, by result: requests sent only. */
  requests: RequestCounts;
  /** Closes the session's connections: once its volumes have their files. */
  close(): void;
}

/**
 * Opens one session for a group and makes each of its distinct requests once, FETCH_CONCURRENCY
 * at a time, until the deadline; the volumes then read their objects from it without another
 * request. A token failure stops it: every later read would fail the same way.
 */
export async function prefetch(
  options: VolumeOptions,
  cloud: CloudEnvironment,
  specs: readonly ObjectSpec[],
  deadline: FetchDeadline & { signal: AbortSignal },
): Promise<SharedSession> {
  const distinct = [...new Map(specs.map((spec) => [requestKey(spec), spec])).values()];
  // No connections opened ahead: the refresher is not in a hurry, and each would outlive its use.
  const session = openVault(options, cloud, { deadline: deadline.signal });
  const reads = readOnce(session.vault);
  const { outcomes, identityError } = await fetchObjects(reads.vault, distinct, session.failureContext, {
    concurrency: FETCH_CONCURRENCY,
    deadline,
  });
  // What had come when the deadline passed: arriving later is arriving too late, for every volume alike.
  const arrived = new Set(distinct.filter((spec) => reads.settled(spec)).map(requestKey));
  const requests: RequestCounts = new Map();
  // Without a token nothing reached Key Vault; an object never started was never asked.
  if (!identityError && !session.failureContext().awaitingToken) {
    for (const outcome of outcomes) {
      if (!reads.started(outcome.spec)) continue;
      const result = outcome.ok ? "ok" : outcome.failure.cause;
      requests.set(result, (requests.get(result) ?? 0) + 1);
    }
  }
  const readOptions = { concurrency: FETCH_CONCURRENCY, deadline: { seconds: deadline.seconds } };
  return {
    async volumeFiles(volumeSpecs) {
      const context = session.failureContext();
      // The same failure for every volume, without asking again (a failed token is not remembered).
      if (identityError) throw identityError;
      const ready = volumeSpecs.filter((spec) => arrived.has(requestKey(spec)));
      // Answered from the reads made: none is asked again.
      const fetched = await fetchObjects(reads.vault, ready, session.failureContext, readOptions);
      const outcomes = volumeSpecs.map(
        (spec) => fetched.outcomes[ready.indexOf(spec)] ?? pendingAtDeadline(spec, deadline),
      );
      return allOrNothing({ outcomes, deadlinePassed: ready.length < volumeSpecs.length }, context, deadline);
    },
    requests,
    close: () => session.close(),
  };
}
