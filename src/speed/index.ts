// The speed door: INVENTORY (to be filled in with measured numbers)
import type { TokenCredential } from "@azure/core-auth";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import type { Agent } from "node:http";
import type { HttpsAgents } from "../http/routedHttpClient";
import { skipIPv6RegexForHostNames } from "./fastIsIP";
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
  agentFor(url: URL): Agent | undefined;
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
      skipIPv6RegexForHostNames();
    },
    httpsAgents: tlsPools(),
    vaultPolicies({ vaultUrl, credential, resource, tenantId, connections, agentFor }) {
      if (!mayAuthorizeUpFront(vaultUrl, resource)) return [];
      // In this order: the connections are opened before the request waits for the token. Only
      // then: without a token to wait for, the first requests dial their own in the same turn.
      return [...(connections > 0 ? [openAheadPolicy(agentFor, connections)] : []), tokenUpFrontPolicy(credential, { resource, tenantId })];
    },
  };
}

/** The tricks for one vault session, or the plain paths when the operator switched them off. */
export function speedTricks(env: NodeJS.ProcessEnv = process.env): SpeedTricks {
  return env[SWITCH]?.trim().toLowerCase() === "off" ? plain : tricks();
}
