// Option keys, spelled as docs/contract.md spells them (errors name them this way); matching is case-insensitive.
// `resourcegroup` and `subscriptionid` are accepted and ignored like any other unknown key.

export const KEY = {
  vaultName: "keyvaultname",
  objectNames: "keyvaultobjectnames",
  objectTypes: "keyvaultobjecttypes",
  objectAliases: "keyvaultobjectaliases",
  objectVersions: "keyvaultobjectversions",
  legacyObjectName: "keyvaultobjectname",
  legacyObjectType: "keyvaultobjecttype",
  legacyObjectVersion: "keyvaultobjectversion",
  objectFormats: "keyvaultobjectformats",
  objectEncodings: "keyvaultobjectencodings",
  filePermission: "filepermission",
  envFile: "envfile",
  objectEnvNames: "keyvaultobjectenvnames",
  tenantId: "tenantid",
  cloudName: "cloudname",
  usePodIdentity: "usepodidentity",
  nmiPort: "nmiport",
  mountTimeout: "mounttimeout",
  rotationPollInterval: "rotationpollinterval",
  useVmManagedIdentity: "usevmmanagedidentity",
  vmManagedIdentityClientId: "vmmanagedidentityclientid",
  useWorkloadIdentity: "useworkloadidentity",
  /** The workload identity's application (client) id; the Secret's is `kubernetes.io/secret/clientid`. */
  workloadClientId: "clientid",
  clientId: "kubernetes.io/secret/clientid",
  clientSecret: "kubernetes.io/secret/clientsecret",
  podName: "kubernetes.io/pod.name",
  podNamespace: "kubernetes.io/pod.namespace",
  podUid: "kubernetes.io/pod.uid",
  serviceAccountName: "kubernetes.io/serviceAccount.name",
  fsGroup: "kubernetes.io/mounterArgs.FsGroup",
  legacyFsGroup: "kubernetes.io/fsGroup",
} as const;

/** The argument itself, when it is missing or not a JSON object. */
export const JSON_OPTIONS = "<json-options>";
