// The FlexVolume call protocol: the answers kubelet parses, and the one place that
// turns a typed error into one.
import { FetchError, IdentityError, NotSupportedError, OptionError, VolumeError } from "./errors";
import { messageOf } from "./log";

export type DriverAnswer =
  | { status: "Success"; capabilities?: { attach: boolean; fsGroup: boolean } }
  | { status: "Success"; version: string; node: string }
  | { status: "Failure"; message: string }
  | { status: "Not supported"; message: string };

/**
 * No attach step: kubelet calls mount/unmount directly on the node. No fsGroup for kubelet
 * to apply: it would chown and chmod a writable volume after the mount, making the files
 * group-writable; the driver applies the pod's fsGroup itself, with the options' mode.
 */
export const INIT_ANSWER: DriverAnswer = { status: "Success", capabilities: { attach: false, fsGroup: false } };
export const SUCCESS: DriverAnswer = { status: "Success" };

/** `kv version`, an operator's call: the driver's version and the Node.js it runs on. */
export function versionAnswer(driverVersion: string): DriverAnswer {
  return { status: "Success", version: driverVersion, node: process.version };
}

function failureMessage(error: unknown): string {
  if (error instanceof OptionError) return `invalid volume options: ${error.message}`;
  if (error instanceof IdentityError) return `cannot get an access token: ${error.message}`;
  if (error instanceof FetchError) return error.message;
  if (error instanceof VolumeError) return `volume: ${error.message}`;
  return `unexpected error: ${messageOf(error)}`;
}

/** The answer for a failed call; never a stack trace. */
export function answerFor(error: unknown): DriverAnswer {
  if (error instanceof NotSupportedError) return { status: "Not supported", message: error.message };
  return { status: "Failure", message: failureMessage(error) };
}

export function exitCodeFor(answer: DriverAnswer): number {
  return answer.status === "Success" ? 0 : 1;
}
