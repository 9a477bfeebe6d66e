// Rules for names: each returns what is wrong (to follow "<value> ...") or undefined when the name is fine.
// Every pattern is anchored: a name is checked whole, never searched for a good part.

/** Key Vault's vault name rule. */
export function vaultNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 24) return `must be 3 to 24 characters long (has ${name.length})`;
  if (!/^[0-9a-zA-Z-]+$/.test(name)) return "may contain only letters, digits and hyphens";
  if (!/^[a-zA-Z]/.test(name)) return "must start with a letter";
  if (!/[0-9a-zA-Z]$/.test(name)) return "must end with a letter or a digit";
  if (name.includes("--")) return "must not contain two hyphens in a row";
  return undefined;
}

/** Key Vault's object name rule (secrets, keys and certificates alike). */
export function objectNameProblem(name: string): string | undefined {
  if (name === "") return "is empty";
  if (!/^[0-9a-zA-Z-]{1,127}$/.test(name)) return "must be 1 to 127 letters, digits and hyphens (Key Vault's rule)";
  return undefined;
}

/**
 * A version pins one object version. Key Vault's are 32 hex digits; this only makes sure the value
 * stays one URL path segment, and leaves "no such version" to the vault, which says so clearly.
 */
export function objectVersionProblem(version: string): string | undefined {
  if (!/^[0-9a-zA-Z]{1,64}$/.test(version)) {
    return "must be up to 64 letters and digits (Key Vault versions are 32 hex digits)";
  }
  return undefined;
}

const NAME_MAX_BYTES = 255;

/**
 * A file directly inside the volume, nothing else. '\' is refused too: it is no separator on Linux,
 * but whoever writes `certs\tls.crt` means a directory the volume does not have.
 */
export function fileNameProblem(name: string): string | undefined {
  if (name === "") return "is empty";
  if (name === "." || name === "..") return "names a directory, not a file";
  if (/[/\\]/.test(name)) return "contains a path separator ('/' or '\\'); the volume has no subdirectories";
  // eslint-disable-next-line no-control-regex -- control characters are what it looks for
  if (/[\u0000-\u001f\u007f]/.test(name)) return "contains a control character (NUL, newline, ...)";
  if (Buffer.byteLength(name) > NAME_MAX_BYTES) return `is longer than ${NAME_MAX_BYTES} bytes`;
  return undefined;
}

/** A tenant id (a GUID) or tenant domain name (contoso.onmicrosoft.com); it becomes part of the authority URL. */
export function tenantIdProblem(tenant: string): string | undefined {
  if (!/^[0-9a-zA-Z.-]{1,256}$/.test(tenant)) {
    return "must be the tenant's GUID or domain name (letters, digits, '.', '-')";
  }
  return undefined;
}

/** A managed identity's client id (a GUID); it becomes a query parameter. */
export function clientIdProblem(clientId: string): string | undefined {
  if (!/^[0-9a-zA-Z-]{1,128}$/.test(clientId)) return "must be a client id (a GUID: letters, digits and hyphens)";
  return undefined;
}

/** A pod's name or namespace (Kubernetes DNS names); they are sent as HTTP headers to NMI. */
export function podNameProblem(name: string): string | undefined {
  if (!/^[0-9a-zA-Z._-]{1,253}$/.test(name)) return "must be a Kubernetes name (letters, digits, '.', '-', '_')";
  return undefined;
}
