// KeyVault backed by the Azure SDK: one client per object kind, sharing one credential
// (so one token) for the whole mount.
import type { TokenCredential } from "@azure/core-auth";
import { isRestError, RestError, type HttpClient, type PipelinePolicy } from "@azure/core-rest-pipeline";
import type { CertificateClient } from "@azure/keyvault-certificates";
import type { KeyClient } from "@azure/keyvault-keys";
import type { SecretClient } from "@azure/keyvault-secrets";
import { RETRY_OPTIONS } from "../identity/retry";
import type { KeyVault, ReadOptions, VaultCertificate, VaultKey, VaultSecret } from "../model/keyVault";

export interface VaultClientOptions {
  /** Shared with the credential: one connection pool per mount. */
  httpClient?: HttpClient;
  /** AzureStack vaults may name a resource that is not a suffix of the vault's host. */
  disableChallengeResourceVerification?: boolean;
  /** Run on every call of every client, in this order, before the SDK's own (the speed door's). */
  policies?: PipelinePolicy[];
}

interface CallOptions {
  version?: string;
  abortSignal?: AbortSignal;
  onResponse: (response: { status: number }) => void;
}

/**
 * The SDK cannot read an error answer that is not Key Vault's JSON (a proxy's 502 page)
 * and throws a TypeError instead; keep the HTTP status so the failure can be explained.
 */
async function withStatus<T>(
  { version, abortSignal }: ReadOptions,
  call: (options: CallOptions) => Promise<T>,
): Promise<T> {
  let status = 0;
  try {
    return await call({
      version: version || undefined,
      abortSignal,
      onResponse: (response) => (status = response.status),
    });
  } catch (error) {
    if (status >= 400 && !isRestError(error)) throw new RestError(`HTTP ${status}`, { statusCode: status });
    throw error;
  }
}

export function createKeyVault(
  vaultUrl: string,
  credential: TokenCredential,
  options: VaultClientOptions = {},
): KeyVault {
  const { policies = [], ...sdkOptions } = options;
  const clientOptions = {
    retryOptions: RETRY_OPTIONS,
    ...sdkOptions,
    additionalPolicies: policies.map((policy) => ({ policy, position: "perCall" as const })),
  };
  // Each client's package is loaded when the mount first asks for its kind of object:
  // a mount of secrets alone never evaluates the key and certificate packages.
  let secrets: Promise<SecretClient> | undefined;
  let keys: Promise<KeyClient> | undefined;
  let certificates: Promise<CertificateClient> | undefined;
  return {
    async getSecret(name: string, read: ReadOptions): Promise<VaultSecret> {
      const client = await (secrets ??= import("@azure/keyvault-secrets").then(
        ({ SecretClient }) => new SecretClient(vaultUrl, credential, clientOptions),
      ));
      const secret = await withStatus(read, (options) => client.getSecret(name, options));
      return { value: secret.value ?? "", contentType: secret.properties.contentType };
    },
    async getKey(name: string, read: ReadOptions): Promise<VaultKey> {
      const client = await (keys ??= import("@azure/keyvault-keys").then(
        ({ KeyClient }) => new KeyClient(vaultUrl, credential, clientOptions),
      ));
      const key = await withStatus(read, (options) => client.getKey(name, options));
      const { kty = "", n, e, crv, x, y } = key.key ?? {};
      return { kty, n, e, crv, x, y };
    },
    async getCertificate(name: string, read: ReadOptions): Promise<VaultCertificate> {
      const client = await (certificates ??= import("@azure/keyvault-certificates").then(
        ({ CertificateClient }) => new CertificateClient(vaultUrl, credential, clientOptions),
      ));
      const certificate = await withStatus(read, ({ version, ...options }) =>
        version ? client.getCertificateVersion(name, version, options) : client.getCertificate(name, options),
      );
      return { cer: certificate.cer ?? new Uint8Array() };
    },
  };
}
