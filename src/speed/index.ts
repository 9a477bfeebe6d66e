// The speed door: the one place the driver relies on a library's or Node's behaviour beyond
// its documented API. openVault.ts opens it and hands the rest of the driver its parts as
// parameters (the https agents, the vault clients' extra policies, the process patches).
// KV_SPEED_TRICKS=off shuts it: the plain SDK paths, for an operator after an upgrade.
//
// INVENTORY (versions as locked: Node 26.12, @azure/core-rest-pipeline 1.25,
// @azure/keyvault-common 2.1, @azure/keyvault-secrets 4.12). "Saves": the executable with
// the trick against one built without it, `npm run bench -- --only mount --sizes 1,10
// --latencies 20 --runs 3 --compare <that executable>`, through the stand-in's proxy, one
// round on a loaded machine (README, "The speed door"). Dropped: fastIsIP (a net.isIP
// patch): a mount was no slower without it on Node 26.
// - keepUndiciUnloaded.ts: Node loads undici on the first touch of the global FormData, and
//   core-rest-pipeline's formDataPolicy touches it on every request. Deletes the global.
//   Fails when it changes: test/bundle.test.ts ("the SDK reads the global FormData ...":
//   without the patch undici must load, with it must not). Saves 13 ms (1 secret), 55 ms (10),
//   and 6 MB of peak RSS.
// - tokenUpFront.ts: keyvault-common's challenge policy leaves an Authorization header that
//   is already set, and asks the credential with the scope `<resource>/.default` and the
//   tenant. Fails when it changes: test/unit/tokenUpFront.test.ts ("keeps an authorization
//   the SDK's challenge policy already set"), test/e2e/resilience.test.ts (token on the
//   first request with the door open, a challenge first with it shut). Saves Key Vault's
//   challenge round trip: 41 ms (1 secret), 4 ms (10, within that run's noise).
// - tlsPool.ts + openAhead.ts: only public Node API (https.Agent's createConnection and its
//   keep-alive free list, tls session resumption). Fails when it changes:
//   test/connections.test.ts (opened while the token is awaited, session resumed),
//   test/unit/sdkKeyVault.test.ts (opened ahead only with a token up front). openAhead saves
//   13 ms (1 secret), 14 ms (10); the pool without it, 23 ms on 10 secrets and none
//   measurable on 1 (-15 ms, noise).
import type { TokenCredential } from "@azure/core-auth";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import type { Agent } from "node:http";
import type { HttpsAgents } from "../http/routedHttpClient";
import { keepUndiciUnloaded } from "./keepUndiciUnloaded";
import { openAheadPolicy } from "./openAhead";
import { tlsPools } from "./tlsPool";
import { mayAuthorizeUpFront, tokenUpFrontPolicy } from "./tokenUpFront";

/** The operator's switch: `off` runs the plain SDK paths (README, "Environment"). */
export const SWITCH = "KV_SPEED_TRICKS";

/** One vault of a mount, as the door's policies need it. */
export interface VaultAtHand {
  vaultUrl: string;
  /** The mount's shared token (identity/sharedToken.ts). */
  credential: TokenCredential;
  /** The cloud's Key Vault resource, e.g. https://vault.azure.net */
  resource: string;
  /** Absent: the credential's own (a workload identity's may come from its service account). */
  tenantId?: string;
  /** How many requests the caller sends to the vault at once (a mount's fetch pool). */
  connections: number;
  /** The agent a request to a URL goes through (http/routedHttpClient.ts). */
  agentFor: (url: URL) => Agent | undefined;
}

export interface SpeedTricks {
  readonly on: boolean;
  /** Process-wide patches: made once, before the first request. */
  patchProcess(): void;
  /** The agents for https requests, per route; undefined: the plain ones. */
  httpsAgents?: HttpsAgents;
  /** Policies for the Key Vault clients of one vault, in order, before the SDK's. */
  vaultPolicies(vault: VaultAtHand): PipelinePolicy[];
}

const plain: SpeedTricks = { on: false, patchProcess: () => undefined, vaultPolicies: () => [] };

let patched = false;

function tricks(): SpeedTricks {
  return {
    on: true,
    patchProcess() {
      if (patched) return;
      patched = true;
      keepUndiciUnloaded();
    },
    httpsAgents: tlsPools(),
    vaultPolicies({ vaultUrl, credential, resource, tenantId, connections, agentFor }) {
      if (!mayAuthorizeUpFront(vaultUrl, resource)) return [];
      // In this order: the connections are opened before the request waits for the token. Only
      // then: without a token to wait for, the first requests dial their own in the same turn.
      return [
        ...(connections > 0 ? [openAheadPolicy(agentFor, connections)] : []),
        tokenUpFrontPolicy(credential, { resource, tenantId }),
      ];
    },
  };
}

/** The tricks for one vault session, or the plain paths when the operator switched them off. */
export function speedTricks(env: NodeJS.ProcessEnv = process.env): SpeedTricks {
  return env[SWITCH]?.trim().toLowerCase() === "off" ? plain : tricks();
}
