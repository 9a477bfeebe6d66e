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
  "CERT_REVOKED",
  "INVALID_CA",
  "PATH_LENGTH_EXCEEDED",
  "INVALID_PURPOSE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
]);

export function isCertificateFailure(code: string | undefined): boolean {
  return code !== undefined && (code in OUT_OF_DATE || WRONG_HOST.has(code) || UNTRUSTED.has(code));
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
  if (code in OUT_OF_DATE)
    return `${whose} ${OUT_OF_DATE[code]} ${why}; check the node's clock (date -u), then the certificate's dates`;
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
