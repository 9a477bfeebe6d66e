// A thin view of Key Vault: the three reads a mount needs, and the values they return. The
// SDK-backed implementation lives in vault/sdkKeyVault.ts; everything else depends only on this.

export interface VaultSecret {
  value: string;
  /** e.g. `application/x-pkcs12` for a certificate's backing secret. */
  contentType?: string;
}

/** The JWK fields Key Vault returns, binary fields as bytes (as the SDK decodes them). */
export interface VaultKey {
  kty: string;
  n?: Uint8Array;
  e?: Uint8Array;
  crv?: string;
  x?: Uint8Array;
  y?: Uint8Array;
}

export interface VaultCertificate {
  /** The certificate's DER bytes. */
  cer: Uint8Array;
}

export interface ReadOptions {
  /** Empty: the latest version. */
  version: string;
  abortSignal?: AbortSignal;
}

export interface KeyVault {
  getSecret(name: string, options: ReadOptions): Promise<VaultSecret>;
  getKey(name: string, options: ReadOptions): Promise<VaultKey>;
  getCertificate(name: string, options: ReadOptions): Promise<VaultCertificate>;
}
