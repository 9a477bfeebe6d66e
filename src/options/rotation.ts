// rotationpollinterval: how often the node's refresher (`kv refresh`) brings a volume up to
// date. Absent or empty: no rotation, the volume is written once as v0.0.17 wrote it.
import { OptionError } from "../errors";
import { KEY } from "./keys";
import { optionValue, type RawOptions } from "./rawOptions";
import { quote } from "../text/json";
import type { Checks } from "./checks";
import type { EnvFileResult } from "./envFile";

/** Faster than this, a node's volumes would keep the vault busy for little gain. */
const MIN_INTERVAL_SECONDS = 10;
/** A week: a secret that changes less often is no reason to keep a refresher polling; restart the pod. */
const MAX_INTERVAL_SECONDS = 7 * 24 * 3600;

/** `1h30m`, `2m`, `30s`, `1h30m15s` (each unit at most once, in this order), or plain seconds. */
const DURATION = /^(?:(\d{1,7})h)?(?:(\d{1,7})m)?(?:(\d{1,7})s)?$/i;
const SECONDS = /^\d{1,7}$/;

const FORMS = 'give a duration such as "30s", "2m" or "1h30m", or plain seconds such as "90"';

/** Names the rotating layout keeps for itself: `..data` and its hidden, timestamped sets. */
const RESERVED_PREFIX = "..";

function parseDuration(value: string): number | undefined {
  if (SECONDS.test(value)) return Number(value);
  const match = value === "" ? null : DURATION.exec(value);
  if (!match) return undefined;
  const [, hours = "0", minutes = "0", seconds = "0"] = match;
  return Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds);
}

function parseInterval(options: RawOptions): number | undefined {
  const value = optionValue(options, KEY.rotationPollInterval);
  if (value === "") return undefined;
  const seconds = parseDuration(value);
  if (seconds === undefined)
    throw new OptionError(KEY.rotationPollInterval, `${quote(value)} is not an interval; ${FORMS}`);
  if (seconds === 0) {
    throw new OptionError(
      KEY.rotationPollInterval,
      `${quote(value)} is not an interval; leave the option out (or empty) for a volume that is never ` +
        `refreshed, or ${FORMS}`,
    );
  }
  if (seconds < MIN_INTERVAL_SECONDS || seconds > MAX_INTERVAL_SECONDS) {
    throw new OptionError(
      KEY.rotationPollInterval,
      `${quote(value)} is ${seconds < MIN_INTERVAL_SECONDS ? "shorter than 10 s" : "longer than a week"}; give an ` +
        `interval from ${MIN_INTERVAL_SECONDS}s to 168h`,
    );
  }
  return seconds;
}

const reservedProblem = (fileName: string) =>
  `file name ${quote(fileName)} starts with "..", which a volume with ${KEY.rotationPollInterval} keeps for ` +
  `its own layout (..data)`;

/**
 * A rotating volume's own names start with "..": no file of the pod's may. Only an alias or
 * the env file can (object names are letters, digits and hyphens). Each clash is reported.
 */
function checkFileNames(checks: Checks, { objects, envFile }: EnvFileResult): void {
  for (const clash of objects.filter((object) => object.fileName.startsWith(RESERVED_PREFIX)))
    checks.report(
      new OptionError(KEY.objectAliases, `${reservedProblem(clash.fileName)}; give the object another alias`),
    );
  if (envFile?.startsWith(RESERVED_PREFIX))
    checks.report(new OptionError(KEY.envFile, `${reservedProblem(envFile)}; give the env file another name`));
}

/** The interval in seconds, or undefined when the volume does not rotate; the files are checked when known. */
export function parseRotation(
  checks: Checks,
  options: RawOptions,
  files: EnvFileResult | undefined,
): number | undefined {
  const seconds = parseInterval(options);
  if (seconds !== undefined && files) checkFileNames(checks, files);
  return seconds;
}
