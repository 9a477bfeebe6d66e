// Go's StdEncoding base64: how kubelet passes secretRef values and how a vault's secret holds
// binary content (a certificate's PKCS#12, a value stored base64-encoded).

const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The bytes of StdEncoding base64 text, whitespace and newlines anywhere ignored; undefined unless the
 * text is exactly what encoding those bytes gives (Buffer.from alone would skip bad characters silently).
 */
export function decodeStdBase64(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, "");
  if (!STD_BASE64.test(compact)) return undefined;
  const bytes = Buffer.from(compact, "base64");
  return bytes.toString("base64") === compact ? bytes : undefined;
}

/** UTF-8 text, or undefined when the bytes are not valid UTF-8. */
export function utf8Text(bytes: Buffer): string | undefined {
  const text = bytes.toString("utf8");
  return Buffer.from(text, "utf8").equals(bytes) ? text : undefined;
}
