// Certificates that do not verify, in words an operator can act on: which certificate,
// Node's reason (its OpenSSL code and message) and the fix.

/** The certificate's dates, as Node reports them: the node's clock may be wrong. */
const OUT_OF_DATE: Record<string, string> = {
  CERT_HAS_EXPIRED: "has expired",
  CERT_NOT_YET_VALID: "is not valid yet",
  ERROR_IN_CERT_NOT_BEFORE_FIELD: "has an unreadable start date",
  ERROR_IN_CERT_NOT_AFTER_FIELD: "has an unreadable end date",
};

/** The certificate is for another host. */
const WRONG_HOST = new Set(["ERR_TLS_CERT_ALTNAME_INVALID", "HOSTNAME_MISMATCH"]);

/** Failures another trusted CA does not fix: the certificate itself must be replaced. */
const REPLACE: Record<string, (why: string) => string> = {
  CERT_REVOKED: (why) =>
    `was revoked by its issuer ${why}; trusting more CA certificates does not help: whoever serves it (the host, ` +
    "or a TLS-inspecting proxy on the way) must present a new one",
  INVALID_PURPOSE: (why) =>
    `is not made for a TLS server ${why}: it, or a CA certificate above it, lacks the serverAuth extended key ` +
    "usage; whoever issued it (for a TLS-inspecting proxy, its administrator) must reissue it for serverAuth",
};

/** OpenSSL's verification failures other than dates and names, as Node names them. */
const UNTRUSTED = new Set([
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
  "CERT_SIGNATURE_FAILURE",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "CERT_CHAIN_TOO_LONG",
  "INVALID_CA",
  "PATH_LENGTH_EXCEEDED",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
]);

export function isCertificateFailure(code: string | undefined): boolean {
  return (
    code !== undefined &&
    (Object.hasOwn(OUT_OF_DATE, code) || Object.hasOwn(REPLACE, code) || WRONG_HOST.has(code) || UNTRUSTED.has(code))
  );
}

/**
 * Node's reason without the advice Node 26 appends ("try running Node.js with
 * --use-system-ca"): kubelet starts the driver, an operator cannot pass it a flag.
 */
function ownReason(reason: string): string {
  return reason.split("; if the root CA is installed locally")[0];
}

/**
 * `whose`: the certificate in words, e.g. "the TLS certificate presented for
 * login.microsoftonline.com"; `host`: the name it should carry.
 */
export function certificateProblem(code: string, reason: string, whose: string, host: string): string {
  const why = `(${code}: ${ownReason(reason)})`;
  if (Object.hasOwn(OUT_OF_DATE, code))
    return `${whose} ${OUT_OF_DATE[code]} ${why}; check the node's clock (date -u), then the certificate's dates`;
  if (Object.hasOwn(REPLACE, code)) return `${whose} ${REPLACE[code](why)}`;
  if (WRONG_HOST.has(code))
    return (
      `${whose} names another host ${why}; something on the way (a proxy, a DNS or /etc/hosts entry) ` +
      `answers for ${host}`
    );
  return (
    `${whose} is not trusted ${why}; if a TLS-inspecting proxy is on the way, give the driver its CA certificate ` +
    `with NODE_EXTRA_CA_CERTS in kubelet's environment`
  );
}
