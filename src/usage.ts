// The driver's usage: one line inside a Not supported answer (kubelet reads one JSON object),
// and the same commands explained for a person by `kv help`.

/** Every command, as one line. */
export const USAGE =
  "usage: kv init | kv mount <dir> <json-options> | kv unmount <dir> | kv version | kv check <manifest> " +
  "[--fetch] | kv refresh | kv help";

/** `kv help`, `kv --help`, `kv -h`: for people, not kubelet. */
export const HELP = `${USAGE}

Calls kubelet makes (each answers one JSON object on stdout):
  kv init                        says the driver is ready; no attach, no fsGroup by kubelet
  kv mount <dir> <json-options>  fetches the volume's Key Vault objects onto a tmpfs at <dir>
  kv unmount <dir>               takes that tmpfs down

For operators:
  kv version                     the driver's version and its Node.js, as one JSON object
  kv check <manifest> [--fetch]  checks the azure/kv flexVolumes of a manifest (kv check --help)
  kv refresh                     the node's refresher, run by the installer's DaemonSet
  kv help                        this text

Any other call answers {"status":"Not supported"} so that kubelet uses its defaults.
`;

export const HELP_CALLS: ReadonlySet<string | undefined> = new Set(["help", "--help", "-h"]);
