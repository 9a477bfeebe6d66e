// Typed failures. Only flexvolume.ts turns them into an answer for kubelet.
import type { ObjectFailure } from "./model/objectFailure";

/** A volume option (or the call's arguments) is missing or malformed. */
export class OptionError extends Error {
  override readonly name = "OptionError";
  constructor(
    readonly option: string,
    readonly problem: string,
  ) {
    super(`option ${option}: ${problem}`);
  }
}

/** Getting an access token failed (service principal, NMI or managed identity). */
export class IdentityError extends Error {
  override readonly name = "IdentityError";
}

/** Some objects of a mount could not be fetched: names every one of them. */
export class FetchError extends Error {
  override readonly name = "FetchError";
  constructor(
    readonly vault: string,
    readonly failures: readonly ObjectFailure[],
  ) {
    super(
      `${failures.length} object(s) could not be fetched from key vault ${vault}: ` +
        failures.map((f) => `${f.object}: ${f.cause}: ${f.detail}`).join("; "),
    );
  }
}

/** An object arrived but cannot become the file asked for (bad encoding, not a certificate, ...). */
export class ContentError extends Error {
  override readonly name = "ContentError";
}

/** Mounting, writing or unmounting the tmpfs failed. */
export class VolumeError extends Error {
  override readonly name = "VolumeError";
}

/** The call is not one this driver implements; kubelet falls back to its default. */
export class NotSupportedError extends Error {
  override readonly name = "NotSupportedError";
}
