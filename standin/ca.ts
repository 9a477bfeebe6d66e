// The test CA that the CONNECT proxy uses to impersonate Azure hosts. The driver
// trusts it only through NODE_EXTRA_CA_CERTS, as it would trust a corporate
// TLS-inspecting proxy.
import { generateKeyPairSync, KeyObject } from "node:crypto";
import { writeFileSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";
import { createSecureContext, SecureContext } from "node:tls";
import { derToPem, issueCertificate } from "./x509";

const CA_NAME = "CN=kv-flexvol test CA, O=kv-flexvol tests";

// ECDSA P-256: key generation is instant, RSA 2048 would add ~100 ms per host.
const newKey = (): KeyObject => generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;

/**
 * The certificate a host serves: a good one from this CA, or one a client must refuse:
 * run out, issued by a CA nobody trusts (its chain not sent, as a TLS-inspecting proxy
 * unknown to the node looks), self-signed, or for another host name.
 */
export type CertificateKind = "valid" | "expired" | "unknown-ca" | "self-signed" | "wrong-host";

export class TestCa {
  private readonly contexts = new Map<string, Promise<SecureContext>>();

  private constructor(
    private readonly key: KeyObject,
    /** The CA certificate, PEM. */
    readonly pem: string,
    /** File holding `pem`: the value for NODE_EXTRA_CA_CERTS. */
    readonly pemPath: string,
  ) {}

  /** Creates a CA and writes its certificate to `<dir>/test-ca.pem`. */
  static async create(dir: string): Promise<TestCa> {
    const key = newKey();
    const der = await issueCertificate({ subject: CA_NAME, subjectKey: key, ca: true, validDays: 30 });
    const pem = derToPem(der);
    const pemPath = join(dir, "test-ca.pem");
    writeFileSync(pemPath, pem);
    return new TestCa(key, pem, pemPath);
  }

  /** TLS server context for `host`, with a leaf certificate made (once) for it. */
  secureContextFor(host: string, kind: CertificateKind = "valid"): Promise<SecureContext> {
    let ctx = this.contexts.get(`${kind} ${host}`);
    if (!ctx) {
      ctx = this.serverCredentials(host, kind).then((credentials) => createSecureContext(credentials));
      this.contexts.set(`${kind} ${host}`, ctx);
    }
    return ctx;
  }

  /** A key and certificate chain (PEM) for a TLS server for `host`: a DNS name or an IP address. */
  async serverCredentials(host: string, kind: CertificateKind = "valid"): Promise<{ key: string; cert: string }> {
    const key = newKey();
    const ours = { name: CA_NAME, key: this.key };
    const issuer =
      kind === "self-signed"
        ? undefined
        : kind === "unknown-ca"
          ? { name: "CN=a CA nobody trusts", key: newKey() }
          : ours;
    const der = await issueCertificate({
      subject: `CN=${host}`,
      subjectKey: key,
      issuer,
      ...(isIP(host) ? { ipAddresses: [host] } : { dnsNames: [kind === "wrong-host" ? `not-${host}` : host] }),
      validDays: 2,
      expiredDaysAgo: kind === "expired" ? 1 : undefined,
    });
    return {
      key: key.export({ type: "pkcs8", format: "pem" }),
      cert: derToPem(der) + (issuer === ours ? this.pem : ""),
    };
  }
}
