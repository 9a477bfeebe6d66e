// Key Vault's answer to a secret read, for tests that play the vault behind the SDK's public `httpClient` option.
import { createHttpHeaders, type PipelineRequest, type PipelineResponse } from "@azure/core-rest-pipeline";

/** 200 with secret `s` of `vaultUrl`, value `v`. */
export function secretAnswer(request: PipelineRequest, vaultUrl: string): PipelineResponse {
  const body = JSON.stringify({ value: "v", id: `${vaultUrl}/secrets/s/0123456789abcdef0123456789abcdef` });
  return { request, status: 200, headers: createHttpHeaders({ "content-type": "application/json" }), bodyAsText: body };
}
