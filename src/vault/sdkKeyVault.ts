// KeyVault backed by the Azure SDK: one client per object kind, sharing one credential
// (so one token) for the whole mount.
import type { TokenCredential } from "@azure/core-auth";
import { isRestError, RestError, type HttpClient } from "@azure/core-rest-pipeline";
import { CertificateClient } from "@azure/keyvault-certificates";
import { KeyClient } from "@azure/keyvault-keys";
import { SecretClient } from "@azure/keyvault-secrets";
import { RETRY_OPTIONS } from "../identity/retry";
import type { KeyVault, ReadOptions, VaultCertificate, VaultKey, VaultSecret } from "./keyVault";

export interface VaultClientOptions {
  /** Shared with the credential: one connection pool per mount. */
  httpClient?: HttpClient;
  /** AzureStack vaults may name a resource that is not a suffix of the vault's host. */
  disableChallengeResourceVerification?: boolean;
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
async function withStatus<T>({ version, abortSignal }: ReadOptions, call: (options: CallOptions) => Promise<T>): Promise<T> {
  let status = 0;
  try {
    return await call({ version: version || undefined, abortSignal, onResponse: (response) => (status = response.status) });
  } catch (error) {
    if (status >= 400 && !isRestError(error)) throw new RestError(`HTTP ${status}`, { statusCode: status });
    throw error;
  }
}

export function createKeyVault(vaultUrl: string, credential: TokenCredential, options: VaultClientOptions = {}): KeyVault {
  const clientOptions = { retryOptions: RETRY_OPTIONS, ...options };
  let secrets: SecretClient | undefined;
  let keys: KeyClient | undefined;
  let certificates: CertificateClient | undefined;
  return {
    async getSecret(name: string, read: ReadOptions): Promise<VaultSecret> {
      const client = (secrets ??= new SecretClient(vaultUrl, credential, clientOptions));
      const secret = await withStatus(read, (options) => client.getSecret(name, options));
      return { value: secret.value ?? "", contentType: secret.properties.contentType };
    },
    async getKey(name: string, read: ReadOptions): Promise<VaultKey> {
      const client = (keys ??= new KeyClient(vaultUrl, credential, clientOptions));
      const key = await withStatus(read, (options) => client.getKey(name, options));
      const { kty = "", n, e, crv, x, y } = key.key ?? {};
      return { kty, n, e, crv, x, y };
    },
    async getCertificate(name: string, read: ReadOptions): Promise<VaultCertificate> {
      const client = (certificates ??= new CertificateClient(vaultUrl, credential, clientOptions));
      const certificate = await withStatus(read, ({ version, ...options }) =>
        version ? client.getCertificateVersion(name, version, options) : client.getCertificate(name, options),
      );
      return { cer: certificate.cer ?? new Uint8Array() };
    },
  };
}
