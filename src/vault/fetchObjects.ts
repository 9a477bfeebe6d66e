// Fetches every object of a mount, concurrently, into memory. Nothing is written until
// all of them have arrived: a mount is all or nothing.
import { log } from "../log";
import { FetchError, IdentityError } from "../errors";
import type { ObjectFailure } from "../model/objectFailure";
import type { VolumeFile } from "../model/volumeFile";
import { objectLabel, type ObjectSpec } from "../model/objectSpec";
import { describeFailure, type FailureContext } from "./failures";
import type { KeyVault, ReadOptions } from "../model/keyVault";
import { certificateContent, keyContent, secretContent } from "../content/objectContent";
import { forEachConcurrently } from "./workPool";

/** Objects of a volume fetched at once, over as many connections. */
export const FETCH_CONCURRENCY = 16;

export interface FetchOptions {
  concurrency: number;
  /** Aborts when the mount's deadline passes. */
  abortSignal?: AbortSignal;
  /** The deadline, for the message that names what was still pending. */
  deadlineSeconds?: number;
}

const CREDENTIAL_ERRORS = new Set(["AuthenticationError", "AuthenticationRequiredError", "AggregateAuthenticationError", "CredentialUnavailableError", "IdentityError"]);

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

/** A failed token is the same failure for every object: report it once. */
function asIdentityError(error: unknown): IdentityError | undefined {
  if (error instanceof IdentityError) return error;
  if (error instanceof Error && CREDENTIAL_ERRORS.has(error.name)) return new IdentityError(error.message.split("\n")[0].trim());
  return undefined;
}

/** One object's file content, or why it has none. */
export type ObjectOutcome =
  | { ok: true; content: Buffer }
  | {
      ok: false;
      failure: ObjectFailure;
      /** Set when the token failed: the same failure for every object. */
      identityError?: IdentityError;
    };

/** Fetches one object and turns it into its file content; never throws. */
export async function fetchObject(vault: KeyVault, spec: ObjectSpec, context: FailureContext, abortSignal?: AbortSignal): Promise<ObjectOutcome> {
  try {
    return { ok: true, content: await fetchContent(vault, spec, { version: spec.version, abortSignal }) };
  } catch (error) {
    log.debug("fetch-error", { object: spec.name, type: spec.type, name: (error as Error).name, code: (error as { code?: string }).code, status: (error as { statusCode?: number }).statusCode });
    return { ok: false, failure: describeFailure(error, spec, context), identityError: asIdentityError(error) };
  }
}

/**
 * When the deadline passes: every object not yet fetched is named as pending, or, while no
 * token has come, the identity source, which is then what kept every object waiting.
 */
function deadlineError(specs: readonly ObjectSpec[], files: readonly VolumeFile[], failures: readonly ObjectFailure[], context: FailureContext, seconds: number): FetchError | IdentityError {
  if (context.awaitingToken) {
    return new IdentityError(
      `no token for ${context.principal} before the mount's ${seconds}s deadline passed (option mounttimeout), so nothing was fetched from key vault ${context.vaultName}; ` +
        "check that the node reaches its identity endpoint: Azure AD for a service principal (directly or through HTTPS_PROXY), NMI for pod identity, IMDS for a managed identity",
    );
  }
  const pending = specs
    .filter((spec, index) => !files[index] && !failures.some((failure) => failure.object === objectLabel(spec)))
    .map((spec) => ({ object: objectLabel(spec), cause: "timeout" as const, detail: `still pending when the mount's ${seconds}s deadline passed (option mounttimeout)` }));
  return new FetchError(context.vaultName, [...failures, ...pending]);
}

export async function fetchObjects(vault: KeyVault, specs: readonly ObjectSpec[], context: FailureContext, options: FetchOptions): Promise<VolumeFile[]> {
  const files: VolumeFile[] = new Array(specs.length);
  const failures: ObjectFailure[] = [];
  const { abortSignal } = options;
  let identityError: IdentityError | undefined;

  const fetchOne = async (spec: ObjectSpec, index: number) => {
    const outcome = await fetchObject(vault, spec, context, abortSignal);
    if (outcome.ok) {
      files[index] = { fileName: spec.fileName, content: outcome.content };
    } else if (!abortSignal?.aborted) {
      identityError ??= outcome.identityError;
      failures.push(outcome.failure);
    }
  };
  const all = forEachConcurrently(specs, options.concurrency, fetchOne, () => identityError !== undefined || abortSignal?.aborted === true);
  // Not every request honours the signal (token requests may not): stop waiting at once.
  const deadline = new Promise<void>((resolve) => abortSignal?.addEventListener("abort", () => resolve(), { once: true }));
  await Promise.race([all, deadline]);

  if (abortSignal?.aborted) throw deadlineError(specs, files, failures, context, options.deadlineSeconds ?? 0);
  if (identityError) throw identityError;
  if (failures.length > 0) {
    failures.sort((a, b) => a.object.localeCompare(b.object));
    throw new FetchError(context.vaultName, failures);
  }
  return files;
}
