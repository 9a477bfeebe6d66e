// The network settings the driver inherits from kubelet, read once and then removed from
// process.env, so that no library applies them with rules of its own: the Azure SDK's
// proxy policy (which also reads ALL_PROXY, which Go ignores) and Node's TLS, which turns
// certificate checks off when NODE_TLS_REJECT_UNAUTHORIZED is 0. A bearer token must only
// ever go to a server whose certificate verifies: the driver ignores that variable.
import { PROXY_VARIABLES, proxyEnvironmentFrom, proxyRules, type ProxyRules } from "./proxyRules";

const REMOVED = [...PROXY_VARIABLES, "ALL_PROXY", "all_proxy", "NODE_TLS_REJECT_UNAUTHORIZED"];

interface NetworkEnvironment {
  proxies: ProxyRules;
}

let taken: NetworkEnvironment | undefined;

/** Read at the first call (cli.ts makes it at start, before anything connects); the same answer after. */
export function networkEnvironment(): NetworkEnvironment {
  if (!taken) {
    taken = { proxies: proxyRules(proxyEnvironmentFrom(process.env)) };
    for (const name of REMOVED) delete process.env[name];
  }
  return taken;
}
