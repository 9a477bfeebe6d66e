// The Azure clouds a vault can live in, by the names `cloudname` accepts (clouds.ts says
// where each one's endpoints are).

/** Every value `cloudname` accepts, in the order of docs/contract.md. */
export const CLOUD_NAMES = [
  "AzurePublicCloud",
  "AzureChinaCloud",
  "AzureUSGovernmentCloud",
  "AzureGermanCloud",
  "AzureStackCloud",
] as const;

export type CloudName = (typeof CLOUD_NAMES)[number];
