// The speed door: the one place the driver relies on a library's or Node's behaviour beyond
// its documented API. openVault.ts opens it and hands the rest of the driver its parts as
// parameters (the https agents, the vault clients' extra policies, the process patches).
// KV_SPEED_TRICKS=off shuts it: the plain SDK paths, for an operator after an upgrade.
//
// INVENTORY: every internal of a library or of Node the driver relies on, run-time and
// build-time alike. Versions as locked: Node 26.12, @azure/core-rest-pipeline 1.25
// (@typespec/ts-http-runtime 0.3), @azure/keyvault-common 2.1, @azure/keyvault-secrets 4.12,
// @azure/identity 4.14 (@azure/msal-node 7.2). "Saves": the executable against one built
// without the trick, `npm run bench -- --only mount --sizes 1 --latencies ... --compare
// <that executable>` through the stand-in's proxy (README, "The speed door"). The
// build-time ones change loading only, so they save the same direct or proxied.
// "Proved to fail": the internal broken once by hand, the test run, seen failing, restored.
// Dropped (gain under ~5 ms): fastIsIP (a net.isIP patch), the bundle's lazily loaded
// zlib/assert/fs/promises and its uuidUtils rewrite (about 1 ms each, within the bench's
// noise), its `open` stub (@azure/identity imports it only inside interactive sign-in:
// -15, -18, +23, -24 ms), and its proxy-agent-negotiate stub (nothing imports it since
// https-proxy-agent 9 left the dependencies).
//
// Run time, in this folder:
// - keepUndiciUnloaded.ts: Node >= 20 loads undici on the first touch of the global
//   FormData; @typespec/ts-http-runtime 0.3 (formData.js, `body instanceof FormData`) touches
//   it on every request. Deletes the global. Saves 13 ms (1 secret at 20 ms) and 6 MB of RSS.
//   Test: test/bundle.test.ts ("the SDK reads the global FormData ...": without the patch
//   undici must load). Proved to fail: formData.js's FormData check edited out.
// - tokenUpFront.ts: @azure/keyvault-common 2.x keyVaultAuthenticationPolicy.js leaves an
//   Authorization header already set on its first request, and asks its token with scope
//   `<resource>/.default`, the challenge's tenant and enableCae (identity/sharedToken.ts keys
//   on those). Saves Key Vault's challenge round trip: 41 ms (1 secret at 20 ms). Tests:
//   test/unit/tokenUpFrontSdk.test.ts (the real SecretClient), test/unit/tokenUpFront.test.ts,
//   test/e2e/resilience.test.ts. Proved to fail: the policy made to delete the header on its
//   first request, to ask `/user_impersonation`, to ask without the tenant: each failed.
// - tlsPool.ts + openAhead.ts: only public Node API (https.Agent's createConnection and its
//   keep-alive free list, tls session resumption). openAhead saves 13 ms (1 secret at 20 ms).
//   Tests: test/connections.test.ts, test/unit/sdkKeyVault.test.ts (no internal to break).
//
// Build time, in scripts/ (the executable ships what they made):
// - scripts/bundle.mjs SWITCHED_OFF, stubs for modules the driver never runs, resolved by
//   their bare name: `jsonwebtoken` (@azure/msal-node 7.x, client/ClientAssertion.mjs,
//   evaluated as msal-node loads; saves 3, 18 and 128 ms at 0 ms, 8, -5 and -37 at 20 ms in
//   three rounds: about 5 to 10 ms under the noise) and `debug` (the SDK's http(s)-proxy-agent
//   7.x; kept for correctness: it made the stderr stream and obeyed DEBUG). Tests:
//   test/bundle.test.ts ("every switched-off module is one the dependencies import
//   ...": each stub met while bundling src/cli.ts, none of its real files bundled; "debug is
//   switched off"). Proved to fail: ClientAssertion.mjs, then https-proxy-agent 7's files,
//   made to import it by a deep path; a stub for proxy-agent-negotiate put back.
// - scripts/seaMain.cjs answers `init` itself: Node's SEA deserialises the main script's
//   code cache at every start, the bundle's is an asset (node:sea getAsset). Saves 16 ms of
//   `init` (57 against 73 ms; 1.10x against 1.43x the bare start). Test: test/executable.test.ts
//   ("answers exactly like node dist/kv.js: init"). Proved to fail: seaMain's
//   answer edited (fsGroup true), rebuilt.
import type { TokenCredential } from "@azure/core-auth";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import type { Agent } from "node:http";
import type { HttpsAgents } from "../http/routedHttpClient";
import { keepUndiciUnloaded } from "./keepUndiciUnloaded";
import { openAheadPolicy } from "./openAhead";
import { tlsPools } from "./tlsPool";
import { mayAuthorizeUpFront, tokenUpFrontPolicy } from "./tokenUpFront";

/** The operator's switch: `off` runs the plain SDK paths (README, "Environment"). */
const SWITCH = "KV_SPEED_TRICKS";

/** One vault of a mount, as the door's policies need it. */
interface VaultAtHand {
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
