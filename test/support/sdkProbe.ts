// One real Azure SDK call, in a process of its own: the SDK reads HTTPS_PROXY and
// friends when it loads, so a test cannot point an in-process SDK at a stand-in it
// started itself. Used by runSdkProbe (below) and runnable by hand:
//   node --import tsx test/support/sdkProbe.ts '<ProbeRequest JSON>'
// It prints one ProbeResult JSON line; secret values only as SHA-256 digests.
import { createHash } from "node:crypto";
import { runChildProbe } from "./childProbe";

export interface ProbeRequest {
  credential:
    | {
        kind: "clientSecret";
        tenantId: string;
        clientId: string;
        clientSecret: string;
        authorityHost?: string;
        disableInstanceDiscovery?: boolean;
      }
    | { kind: "managedIdentity"; clientId?: string };
  vaultUrl: string;
  type: "secret" | "key" | "cert";
  name: string;
  version?: string;
}

export type ProbeResult =
  | { ok: true; id: string; sha256: string; contentType?: string; kty?: string; n?: string }
  | { ok: false; error: { name: string; statusCode?: number; code?: string; message: string } };

const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");

/** Runs a probe in a child with exactly `env` (plus PATH). */
export function runSdkProbe(request: ProbeRequest, env: Record<string, string>): Promise<ProbeResult> {
  return runChildProbe<ProbeResult>("sdkProbe.ts", [JSON.stringify(request)], env);
}

async function probe(req: ProbeRequest): Promise<ProbeResult> {
  // Loaded here, not at the top: runSdkProbe's importers must not load the SDK.
  const identity = await import("@azure/identity");
  const c = req.credential;
  const credential =
    c.kind === "clientSecret"
      ? new identity.ClientSecretCredential(c.tenantId, c.clientId, c.clientSecret, {
          authorityHost: c.authorityHost ? `https://${c.authorityHost}` : undefined,
          disableInstanceDiscovery: c.disableInstanceDiscovery,
        })
      : c.clientId
        ? new identity.ManagedIdentityCredential({ clientId: c.clientId })
        : new identity.ManagedIdentityCredential();
  try {
    if (req.type === "secret") {
      const { SecretClient } = await import("@azure/keyvault-secrets");
      const s = await new SecretClient(req.vaultUrl, credential).getSecret(req.name, { version: req.version });
      return {
        ok: true,
        id: s.properties.id ?? "",
        sha256: sha256(s.value ?? ""),
        contentType: s.properties.contentType,
      };
    }
    if (req.type === "key") {
      const { KeyClient } = await import("@azure/keyvault-keys");
      const k = await new KeyClient(req.vaultUrl, credential).getKey(req.name, { version: req.version });
      const n = k.key?.n ? Buffer.from(k.key.n).toString("base64url") : undefined;
      return { ok: true, id: k.id ?? "", sha256: sha256(JSON.stringify(k.key)), kty: k.keyType, n };
    }
    const { CertificateClient } = await import("@azure/keyvault-certificates");
    const client = new CertificateClient(req.vaultUrl, credential);
    const cert = req.version
      ? await client.getCertificateVersion(req.name, req.version)
      : await client.getCertificate(req.name);
    return { ok: true, id: cert.properties.id ?? "", sha256: sha256(cert.cer ?? new Uint8Array()) };
  } catch (e) {
    const err = e as { name?: string; statusCode?: number; code?: string; message?: string };
    return {
      ok: false,
      error: {
        name: err.name ?? "Error",
        statusCode: err.statusCode,
        code: err.code,
        message: err.message ?? String(e),
      },
    };
  }
}

if (require.main === module) {
  void probe(JSON.parse(process.argv[2] ?? "{}") as ProbeRequest).then((r) => {
    process.stdout.write(`${JSON.stringify(r)}\n`);
  });
}
