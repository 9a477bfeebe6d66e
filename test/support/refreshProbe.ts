// The refresher's call, in a process of its own (the SDK reads HTTPS_PROXY when it loads):
// `count` credentials from workloadIdentityCredential for one recorded volume, one token each.
// Prints one JSON line: each token's length and expiry, never the token.
//   node --import tsx test/support/refreshProbe.ts '<RefreshRequest JSON>'
import { runChildProbe } from "./childProbe";
import type { PodRef } from "../../src/model/identity";

export interface RefreshRequest {
  pod: PodRef;
  clientId?: string;
  tenantId?: string;
  count: number;
}

export type RefreshResult = { ok: true; tokens: { length: number; expiresOnTimestamp: number }[] } | { ok: false; message: string };

export function runRefreshProbe(request: RefreshRequest, env: Record<string, string>): Promise<RefreshResult> {
  return runChildProbe<RefreshResult>("refreshProbe.ts", [JSON.stringify(request)], env);
}

async function refresh({ count, ...recorded }: RefreshRequest): Promise<RefreshResult> {
  // Loaded here, not at the top: runRefreshProbe's importers must not load the SDK.
  const { workloadIdentityCredential } = await import("../../src/identity/credential");
  const { WELL_KNOWN_CLOUDS } = await import("../../src/clouds");
  const tokens = [];
  try {
    for (let i = 0; i < count; i++) {
      const { credential } = workloadIdentityCredential({ ...recorded, cloud: WELL_KNOWN_CLOUDS.AzurePublicCloud });
      const token = await credential.getToken("https://vault.azure.net/.default");
      tokens.push({ length: token?.token.length ?? 0, expiresOnTimestamp: token?.expiresOnTimestamp ?? 0 });
    }
    return { ok: true, tokens };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

if (require.main === module) {
  void refresh(JSON.parse(process.argv[2] ?? "{}") as RefreshRequest).then((result) => console.log(JSON.stringify(result)));
}
