// Which identity fetches the objects: a service principal (secretRef), pod identity (NMI)
// or the node's managed identity (IMDS).

export type Identity =
  | { kind: "servicePrincipal"; clientId: string; clientSecret: string }
  | { kind: "podIdentity"; nmiPort: number; podName: string; podNamespace: string }
  | { kind: "managedIdentity"; clientId?: string };
