// One key vault: its objects (each a list of versions, the last added is "latest")
// and its access policy. Adding a certificate adds its backing secret and key under
// the same name and version, as Key Vault does.
import { type webcrypto, KeyObject, X509Certificate, createPublicKey, randomBytes } from "node:crypto";
import { PEM_CONTENT_TYPE, PKCS12_CONTENT_TYPE, toPemBundle, toPkcs12 } from "./certPackaging";
import { Cloud } from "./clouds";
import {
  COLLECTION,
  ObjectType,
  SecretOptions,
  attributes,
  certificateBundle,
  keyBundle,
  secretBundle,
} from "./kvShapes";

export interface StoredVersion {
  version: string;
  /** The JSON Key Vault answers a GET of this version with. */
  body: object;
}

export interface VersionOptions {
  /** Version id to use (32 hex digits in Key Vault); random when absent. */
  version?: string;
}

export interface CertificateMaterial {
  /** DER of the certificate. */
  leaf: Buffer;
  /** DER of its issuers, nearest first; they go into the backing secret. */
  chain?: Buffer[];
  /** The certificate's private key. */
  key: KeyObject;
}

export class Vault {
  private readonly objects: Record<ObjectType, Map<string, StoredVersion[]>> = {
    secret: new Map(),
    key: new Map(),
    cert: new Map(),
  };
  /** Access policy: client id -> object types it may `get`. */
  private readonly access = new Map<string, Set<ObjectType>>();

  constructor(
    readonly name: string,
    readonly cloud: Cloud,
    readonly tenantId: string,
    readonly location = "eastus",
  ) {}

  get host(): string {
    return `${this.name}.${this.cloud.vaultDnsSuffix}`.toLowerCase();
  }

  /** The vault URL the SDK is given: https://<name>.<suffix> */
  get url(): string {
    return `https://${this.host}`;
  }

  idOf(type: ObjectType, name: string, version: string): string {
    return `${this.url}/${COLLECTION[type]}/${name}/${version}`;
  }

  /** Lets `clientId` get objects of these types (all three when none are named). */
  grant(clientId: string, ...types: ObjectType[]): void {
    const key = clientId.toLowerCase();
    const allowed = this.access.get(key) ?? new Set<ObjectType>();
    for (const t of types.length ? types : (["secret", "key", "cert"] as const)) allowed.add(t);
    this.access.set(key, allowed);
  }

  revoke(clientId: string, ...types: ObjectType[]): void {
    const allowed = this.access.get(clientId.toLowerCase());
    if (!allowed) return;
    if (types.length === 0) allowed.clear();
    for (const t of types) allowed.delete(t);
  }

  mayGet(clientId: string, type: ObjectType): boolean {
    return this.access.get(clientId.toLowerCase())?.has(type) ?? false;
  }

  /** A version of an object; the latest when `version` is empty. Names and versions are case-insensitive. */
  find(type: ObjectType, name: string, version = ""): StoredVersion | undefined {
    const versions = this.objects[type].get(name.toLowerCase());
    if (!versions?.length) return undefined;
    if (!version) return versions[versions.length - 1];
    return versions.find((v) => v.version.toLowerCase() === version.toLowerCase());
  }

  /** Adds a new (now latest) version of a secret; returns the version id. */
  addSecret(name: string, value: string, o: SecretOptions & VersionOptions = {}): string {
    const version = o.version ?? newVersion();
    this.put("secret", name, version, secretBundle(this.idOf("secret", name, version), value, o));
    return version;
  }

  /** Adds a key version from a KeyObject (either half) or a JWK; only the public half is served. */
  addKey(name: string, key: KeyObject | webcrypto.JsonWebKey, o: VersionOptions = {}): string {
    const version = o.version ?? newVersion();
    this.put("key", name, version, keyBundle(this.idOf("key", name, version), toJwk(key)));
    return version;
  }

  /**
   * Imports a certificate: the certificate itself, its backing secret (the key and
   * chain as PKCS#12 or PEM) and its backing key, all under `name` and one version.
   */
  addCertificate(
    name: string,
    material: CertificateMaterial,
    o: VersionOptions & { contentType?: typeof PKCS12_CONTENT_TYPE | typeof PEM_CONTENT_TYPE } = {},
  ): string {
    const version = o.version ?? newVersion();
    const contentType = o.contentType ?? PKCS12_CONTENT_TYPE;
    const certs = [material.leaf, ...(material.chain ?? [])];
    const x509 = new X509Certificate(material.leaf);
    const attrs = attributes({ nbf: new Date(x509.validFrom), exp: new Date(x509.validTo) });
    const ids = {
      id: this.idOf("cert", name, version),
      kid: this.idOf("key", name, version),
      sid: this.idOf("secret", name, version),
      base: `${this.url}/${COLLECTION.cert}/${name}`,
    };
    const value =
      contentType === PKCS12_CONTENT_TYPE
        ? toPkcs12(material.key, certs).toString("base64")
        : toPemBundle(material.key, certs);

    this.put("cert", name, version, certificateBundle(ids, material.leaf, contentType, attrs));
    this.put("secret", name, version, secretBundle(ids.sid, value, { contentType, kid: ids.kid, attributes: attrs }));
    this.put("key", name, version, keyBundle(ids.kid, toJwk(material.key), { managed: true, attributes: attrs }));
    return version;
  }

  /** Deletes every version of an object (Key Vault then answers 404 for it). */
  remove(type: ObjectType, name: string): void {
    this.objects[type].delete(name.toLowerCase());
  }

  private put(type: ObjectType, name: string, version: string, body: object): void {
    const key = name.toLowerCase();
    const versions = this.objects[type].get(key) ?? [];
    versions.push({ version, body });
    this.objects[type].set(key, versions);
  }
}

function newVersion(): string {
  return randomBytes(16).toString("hex");
}

function toJwk(key: KeyObject | webcrypto.JsonWebKey): webcrypto.JsonWebKey {
  return key instanceof KeyObject ? createPublicKey(key).export({ format: "jwk" }) : key;
}
