// The mode of every file in the volume: filepermission (octal), made group-readable when the
// files belong to the pod's fsGroup, so that non-root containers in that group can read them.

import { OptionError } from "../errors";
import { quote } from "../text/json";
import { KEY } from "./keys";
import { optionValue, type RawOptions } from "./rawOptions";

const DEFAULT_FILE_MODE = 0o644;
const OWNER_READ = 0o400;
const GROUP_READ = 0o040;

/** "640", "0640" or "0o640": three octal digits, optionally with a leading 0 or 0o. */
const OCTAL_MODE = /^(?:0o?)?([0-7]{3})$/i;
/** Four digits whose first one is not 0: setuid, setgid or sticky bits. */
const SPECIAL_BITS = /^(?:0o)?[1-7][0-7]{3}$/i;

export function parseFileMode(options: RawOptions, fsGroup: number | undefined): number {
  const value = optionValue(options, KEY.filePermission);
  const mode = value === "" ? DEFAULT_FILE_MODE : parseOctalMode(value);
  return fsGroup === undefined ? mode : mode | GROUP_READ;
}

function parseOctalMode(value: string): number {
  if (SPECIAL_BITS.test(value)) {
    throw new OptionError(
      KEY.filePermission,
      `${quote(value)} sets setuid, setgid or sticky bits, which files in a secrets volume have no use for; ` +
        'give permission bits only (at most 0777), e.g. "0640"',
    );
  }
  const digits = OCTAL_MODE.exec(value)?.[1];
  if (digits === undefined) {
    throw new OptionError(
      KEY.filePermission,
      `${quote(value)} is not an octal file mode; give three octal digits such as "0640" or "440"`,
    );
  }
  const mode = parseInt(digits, 8);
  if ((mode & OWNER_READ) === 0) {
    throw new OptionError(
      KEY.filePermission,
      `${quote(value)} leaves the files unreadable by their owner; include owner read (0400), e.g. "0440" or "0640"`,
    );
  }
  return mode;
}
