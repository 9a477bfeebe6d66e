// Options the driver does not know. kubelet passes them and the driver ignores them, as the Go
// driver did, so a misspelt option (`filemode` for `filepermission`) silently means its default:
// `kv check` warns, and names the option meant when one is close. Pure.
import { closest, distance } from "fastest-levenshtein";
import { KEY } from "../options/keys";
import { isJsonObject } from "../text/json";

const KNOWN = Object.values(KEY).map((key) => key.toLowerCase());
/** Accepted and ignored, as v0.0.17's examples carry them. */
const IGNORED = ["resourcegroup", "subscriptionid"];
/** Pod authors write only the driver's own options; kubelet adds the kubernetes.io/ ones. */
const SUGGESTIBLE = KNOWN.filter((key) => !key.startsWith("kubernetes.io/"));

/** What Kubernetes' own volumes and the Secrets Store CSI driver's SecretProviderClass call ours. */
const OTHER_NAMES: Readonly<Record<string, string>> = {
  defaultmode: KEY.filePermission,
  filemode: KEY.filePermission,
  mode: KEY.filePermission,
  userassignedidentityid: KEY.vmManagedIdentityClientId,
};

/** The option meant: another driver's name for it, or one this close (a typo: a third of the letters at most). */
function meant(key: string): string | undefined {
  if (key in OTHER_NAMES) return OTHER_NAMES[key];
  const candidate = closest(key, SUGGESTIBLE);
  return distance(key, candidate) <= Math.max(2, Math.floor(candidate.length / 3)) ? candidate : undefined;
}

/** A warning for each option of the manifest that the driver would ignore. */
export function unknownOptionWarnings(options: unknown): string[] {
  if (!isJsonObject(options)) return [];
  return Object.keys(options).flatMap((key) => {
    const folded = key.toLowerCase();
    if (KNOWN.includes(folded) || IGNORED.includes(folded)) return [];
    const suggestion = meant(folded);
    return [
      `option ${key}: not an option of azure/kv, so the driver ignores it` +
        (suggestion ? `; did you mean ${suggestion}?` : "; see the README's option table"),
    ];
  });
}
