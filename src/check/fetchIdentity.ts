// Whose token `kv check --fetch` asks Key Vault with: the operator's (command-line flags) or the
// volume's own identity, when that can be had from outside the cluster.
import type { Identity } from "../model/identity";
import type { VolumeOptions } from "../model/volumeOptions";
import type { SecretRefSource } from "./kubeletOptions";

/** Credentials given on the command line; they replace every volume's own identity. */
export type CheckCredentials =
  { kind: "servicePrincipal"; clientId: string; clientSecret: string } | { kind: "managedIdentity"; clientId?: string };

const CREDENTIAL_FLAGS = "--client-id and --client-secret, or --use-managed-identity";

export function fetchIdentity(
  options: VolumeOptions,
  secretRef: SecretRefSource,
  credentials?: CheckCredentials,
): Identity | { skip: string } {
  const { identity } = options;
  if (credentials && !options.tenantId) {
    return {
      skip:
        "the volume's tenant comes from its service account's annotation, and the manifest does not hold " +
        "that ServiceAccount; add it, or add tenantid to the volume",
    };
  }
  if (credentials) return credentials;
  if (identity.kind === "workloadIdentity") {
    return {
      skip:
        `workload identity tokens come from the cluster's API server, for a pod bound to a node; to check ` +
        `this vault's permissions, pass ${CREDENTIAL_FLAGS} of an identity with the same access`,
    };
  }
  if (identity.kind === "podIdentity") {
    return {
      skip:
        `pod identity tokens come from NMI, which answers only pods inside the cluster; to check this ` +
        `vault's permissions, pass ${CREDENTIAL_FLAGS} of the identity bound to the pod`,
    };
  }
  if (identity.kind === "servicePrincipal" && secretRef.kind === "placeholder") {
    return {
      skip:
        `the secretRef Secret ${JSON.stringify(secretRef.name)} is not in the manifest; pass it with ` +
        `--secret-file, or pass ${CREDENTIAL_FLAGS}`,
    };
  }
  return identity;
}
