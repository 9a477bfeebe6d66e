// The test CA that the CONNECT proxy uses to impersonate Azure hosts. The driver
// trusts it only through NODE_EXTRA_CA_CERTS, as it would trust a corporate
// TLS-inspecting proxy.
import { generateKeyPairSync, KeyObject } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createSecureContext, SecureContext } from "node:tls";
import { derToPem, issueCertificate } from "./x509";

const CA_NAME = "CN=kv-flexvol test CA, O=kv-flexvol tests";

// ECDSA P-256: key generation is instant, RSA 2048 would add ~100 ms per host.
const newKey = (): KeyObject => generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;

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
  secureContextFor(host: string): Promise<SecureContext> {
    let ctx = this.contexts.get(host);
    if (!ctx) {
      ctx = this.issueServerContext(host);
      this.contexts.set(host, ctx);
    }
    return ctx;
  }

  private async issueServerContext(host: string): Promise<SecureContext> {
    const key = newKey();
    const der = await issueCertificate({
      subject: `CN=${host}`,
      subjectKey: key,
      issuer: { name: CA_NAME, key: this.key },
      dnsNames: [host],
      validDays: 2,
    });
    return createSecureContext({
      key: key.export({ type: "pkcs8", format: "pem" }),
      cert: derToPem(der) + this.pem,
    });
  }
}
