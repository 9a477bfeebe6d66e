// RS256 JSON Web Tokens as kube-apiserver signs service account tokens (its
// --service-account-signing-key), and their verification as Azure AD does it with the
// issuer's published key.
import { createHash, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The JWKS `kid`: kube-apiserver's is a hash of the public key. */
  kid: string;
}

export function newSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = createHash("sha256")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest("base64url");
  return { privateKey, publicKey, kid };
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

export function signJwt(claims: Record<string, unknown>, key: SigningKey): string {
  const signed = `${encode({ alg: "RS256", kid: key.kid })}.${encode(claims)}`;
  return `${signed}.${sign("sha256", Buffer.from(signed), key.privateKey).toString("base64url")}`;
}

export interface DecodedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** Whether `publicKey` made the signature. */
  signedBy(publicKey: KeyObject): boolean;
}

/** The token's parts, or undefined when it is not a JWT at all. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const [header, claims] = parts
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>);
    return {
      header,
      claims,
      signedBy: (publicKey) =>
        header.alg === "RS256" &&
        verify("sha256", Buffer.from(`${parts[0]}.${parts[1]}`), publicKey, Buffer.from(parts[2], "base64url")),
    };
  } catch {
    return undefined;
  }
}
