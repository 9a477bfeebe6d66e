// KeyVault backed by the Azure SDK: one client per object kind, sharing one credential
// (so one token) for the whole mount.
import type { TokenCredential } from "@azure/core-auth";
import type { HttpClient } from "@azure/core-rest-pipeline";
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

export function createKeyVault(vaultUrl: string, credential: TokenCredential, options: VaultClientOptions = {}): KeyVault {
  const clientOptions = { retryOptions: RETRY_OPTIONS, ...options };
  let secrets: SecretClient | undefined;
  let keys: KeyClient | undefined;
  let certificates: CertificateClient | undefined;
  return {
    async getSecret(name: string, { version, abortSignal }: ReadOptions): Promise<VaultSecret> {
      secrets ??= new SecretClient(vaultUrl, credential, clientOptions);
      const secret = await secrets.getSecret(name, { version: version || undefined, abortSignal });
      return { value: secret.value ?? "", contentType: secret.properties.contentType };
    },
    async getKey(name: string, { version, abortSignal }: ReadOptions): Promise<VaultKey> {
      keys ??= new KeyClient(vaultUrl, credential, clientOptions);
      const key = await keys.getKey(name, { version: version || undefined, abortSignal });
      const { kty = "", n, e, crv, x, y } = key.key ?? {};
      return { kty, n, e, crv, x, y };
    },
    async getCertificate(name: string, { version, abortSignal }: ReadOptions): Promise<VaultCertificate> {
      certificates ??= new CertificateClient(vaultUrl, credential, clientOptions);
      const certificate = version
        ? await certificates.getCertificateVersion(name, version, { abortSignal })
        : await certificates.getCertificate(name, { abortSignal });
      return { cer: certificate.cer ?? new Uint8Array() };
    },
  };
}
