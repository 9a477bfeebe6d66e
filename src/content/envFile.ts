// The env file's content (option envfile): `export NAME='value'` per object, in the order of the
// objects, for `. <file>` in sh or bash. Single quotes keep every character as it is ($, `, \,
// newlines); a quote itself is closed, escaped and reopened: ' becomes '\''.
import { FetchError } from "../errors";
import type { ObjectFailure } from "../model/objectFailure";
import { objectLabel, type ObjectSpec } from "../model/objectSpec";
import type { VolumeFile } from "../model/volumeFile";
import type { VolumeOptions } from "../model/volumeOptions";
import { utf8Text } from "../text/base64";

const shellQuoted = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

/** Why `content` cannot be a shell variable's value (errors never quote it: it is the secret). */
function valueProblem(content: Buffer): string | undefined {
  const text = utf8Text(content);
  if (text === undefined)
    return 'its content is not UTF-8 text, which an env file holds; leave it out with "-" in keyvaultobjectenvnames';
  if (text.includes("\0"))
    return (
      'its content holds a NUL character, which no shell variable can hold; leave it out with "-" in ' +
      "keyvaultobjectenvnames"
    );
  return undefined;
}

/**
 * `files` are the objects' files, one per object of `objects` in the same order. Objects
 * that cannot go into an env file fail the mount, each named: a mount is all or nothing.
 */
export function envFileOf(
  fileName: string,
  objects: readonly ObjectSpec[],
  files: readonly VolumeFile[],
  vaultName: string,
): VolumeFile {
  const lines: string[] = [];
  const failures: ObjectFailure[] = [];
  objects.forEach((object, index) => {
    if (object.envName === undefined) return;
    const problem = valueProblem(files[index].content);
    if (problem)
      failures.push({
        object: objectLabel(object),
        cause: "invalid content",
        detail: `cannot go into env file ${fileName}: ${problem}`,
      });
    else lines.push(`export ${object.envName}=${shellQuoted(files[index].content.toString("utf8"))}\n`);
  });
  if (failures.length > 0) throw new FetchError(vaultName, failures);
  return { fileName, content: Buffer.from(lines.join("")) };
}

/** A volume's files: the objects' (in the order of its objects), then the env file if it asks for one. */
export function withEnvFile(options: VolumeOptions, files: VolumeFile[]): VolumeFile[] {
  return options.envFile ? [...files, envFileOf(options.envFile, options.objects, files, options.vaultName)] : files;
}
