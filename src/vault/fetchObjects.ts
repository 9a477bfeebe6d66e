// The fetch loop of a volume, shared by `kv mount` and `kv check --fetch`: every object
// fetched and turned into its file content in memory, a few at a time over one token, and
// each object's outcome kept. What to make of the outcomes is the caller's: a mount is all
// or nothing (fetchEveryObject.ts), a check reports every object.
import { certificateContent, keyContent, secretContent } from "../content/objectContent";
import { IdentityError } from "../errors";
import type { KeyVault, ReadOptions } from "../model/keyVault";
import type { ObjectFailure } from "../model/objectFailure";
import { objectLabel, type ObjectSpec } from "../model/objectSpec";
import { log } from "../log";
import { describeFailure, type FailureContext } from "./failures";
import { forEachConcurrently } from "./workPool";

/** Objects of a volume fetched at once, over as many connections. */
export const FETCH_CONCURRENCY = 16;

/** The volume's mounttimeout: for the whole fetch (a mount), or for each object on its own. */
export interface FetchDeadline {
  seconds: number;
  /**
   * Fires when the whole fetch's deadline passes (a mount's, set when the call began).
   * Without it, each object gets `seconds` to itself (kv check reports every object).
   */
  signal?: AbortSignal;
  /** Whose deadline it is, for the messages: a mount's (the default) or a refresh's. */
  whose?: "mount" | "refresh";
}

export interface FetchOptions {
  concurrency: number;
  deadline: FetchDeadline;
}

/** One object's file content, or why it has none. */
export type ObjectOutcome =
  { spec: ObjectSpec; ok: true; content: Buffer } | { spec: ObjectSpec; ok: false; failure: ObjectFailure };

export interface FetchResult {
  /** Every object's outcome, in the order asked. */
  outcomes: ObjectOutcome[];
  /** The token failed: the same failure for every object, so no further object was started. */
  identityError?: IdentityError;
  /** The whole fetch's deadline passed: objects not finished by then are failures with cause timeout. */
  deadlinePassed: boolean;
}

const CREDENTIAL_ERRORS = new Set([
  "AuthenticationError",
  "AuthenticationRequiredError",
  "AggregateAuthenticationError",
  "CredentialUnavailableError",
  "IdentityError",
]);

async function fetchContent(vault: KeyVault, spec: ObjectSpec, read: ReadOptions): Promise<Buffer> {
  switch (spec.type) {
    case "secret":
      return secretContent(await vault.getSecret(spec.name, read), spec);
    case "key":
      return keyContent(await vault.getKey(spec.name, read), spec.format);
    case "cert":
      return certificateContent(await vault.getCertificate(spec.name, read), spec.format);
  }
}

/** An object not fetched when the whole fetch's deadline passed. */
export function pendingAtDeadline(spec: ObjectSpec, { seconds, whose = "mount" }: FetchDeadline): ObjectOutcome {
  return {
    spec,
    ok: false,
    failure: {
      object: objectLabel(spec),
      cause: "timeout",
      detail: `still pending when the ${whose}'s ${seconds}s deadline passed (option mounttimeout)`,
    },
  };
}

/** A failed token is the same failure for every object: report it once. */
function asIdentityError(error: unknown): IdentityError | undefined {
  if (error instanceof IdentityError) return error;
  if (error instanceof Error && CREDENTIAL_ERRORS.has(error.name))
    return new IdentityError(error.message.split("\n")[0].trim());
  return undefined;
}

/** Fetches one object and turns it into its file content; never throws. */
async function fetchObject(
  vault: KeyVault,
  spec: ObjectSpec,
  failureContext: () => FailureContext,
  abortSignal: AbortSignal,
): Promise<{ outcome: ObjectOutcome; identityError?: IdentityError }> {
  try {
    return {
      outcome: { spec, ok: true, content: await fetchContent(vault, spec, { version: spec.version, abortSignal }) },
    };
  } catch (error) {
    log.debug("fetch-error", {
      object: spec.name,
      type: spec.type,
      name: (error as Error).name,
      code: (error as { code?: string }).code,
      status: (error as { statusCode?: number }).statusCode,
    });
    return {
      outcome: { spec, ok: false, failure: describeFailure(error, spec, failureContext()) },
      identityError: asIdentityError(error),
    };
  }
}

/**
 * Fetches every object of `specs`, `concurrency` at a time. `failureContext` is asked when a
 * failure is described: who asked is known only once the token came (NMI names its client id).
 */
export async function fetchObjects(
  vault: KeyVault,
  specs: readonly ObjectSpec[],
  failureContext: () => FailureContext,
  options: FetchOptions,
): Promise<FetchResult> {
  const outcomes: (ObjectOutcome | undefined)[] = new Array<ObjectOutcome | undefined>(specs.length);
  const { seconds, signal: wholeFetch } = options.deadline;
  const signalFor = () => wholeFetch ?? AbortSignal.timeout(seconds * 1000);
  let identityError: IdentityError | undefined;

  const fetchOne = async (spec: ObjectSpec, index: number) => {
    const fetched = await fetchObject(vault, spec, failureContext, signalFor());
    // Whatever arrives after the deadline comes too late: the object counts as pending.
    if (wholeFetch?.aborted) return;
    identityError ??= fetched.identityError;
    outcomes[index] = fetched.outcome;
  };
  const all = forEachConcurrently(
    specs,
    options.concurrency,
    fetchOne,
    () => identityError !== undefined || wholeFetch?.aborted === true,
  );
  // Not every request honours the signal (token requests may not): stop waiting at once.
  const deadline = new Promise<void>((resolve) =>
    wholeFetch?.addEventListener("abort", () => resolve(), { once: true }),
  );
  await Promise.race([all, deadline]);

  const deadlinePassed = wholeFetch?.aborted === true;
  // Not finished: still pending at the deadline, or never started once the token had failed.
  const unfinished = (spec: ObjectSpec): ObjectOutcome =>
    deadlinePassed
      ? pendingAtDeadline(spec, options.deadline)
      : { spec, ok: false, failure: describeFailure(identityError, spec, failureContext()) };
  return {
    outcomes: specs.map((spec, index) => outcomes[index] ?? unfinished(spec)),
    deadlinePassed,
    ...(identityError ? { identityError } : {}),
  };
}
