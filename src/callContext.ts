// What every log line of a kubelet call names (CONTRACT.md, KV_DRIVER_LOG): the call, its
// <dir>, and for a mount the pod. The pod is read from kubelet's own keys before the options
// are validated, so a refused mount's lines name it too; only those three keys are read,
// never another value of the options (they hold the client secret).
import type { LogFields } from "./log";
import { KEY } from "./options/keys";

/** Longer than any namespace, pod name or uid; a longer value is not one of kubelet's. */
const MAX_VALUE = 256;

function podKeys(json: string | undefined): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json ?? "");
  } catch {
    return {}; // the mount refuses it, naming the problem
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return {};
  const wanted = new Set<string>([KEY.podNamespace, KEY.podName, KEY.podUid]);
  const found: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    // Matched as every option is: case-insensitively.
    const name = key.toLowerCase();
    if (wanted.has(name) && typeof value === "string") found[name] = value.slice(0, MAX_VALUE);
  }
  return found;
}

export function callContext(call: string | undefined, args: readonly string[]): LogFields {
  if (call !== "mount" && call !== "unmount") return { call };
  const context: LogFields = { call, dir: args[0] };
  if (call === "mount") {
    const keys = podKeys(args[1]);
    const [namespace, name, uid] = [keys[KEY.podNamespace], keys[KEY.podName], keys[KEY.podUid]];
    if (namespace !== undefined || name !== undefined) context.pod = `${namespace ?? ""}/${name ?? ""}`;
    if (uid !== undefined) context.podUid = uid;
  }
  return context;
}
