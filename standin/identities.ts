// Who exists in the stand-in's Azure AD: service principals (client id + secret),
// managed identities (served by IMDS, and by NMI to pods bound to them), and the
// pods aad-pod-identity binds to an identity.
import { randomBytes, randomUUID } from "node:crypto";

export interface Principal {
  clientId: string;
  /** Key Vault's 403 message names it (oid=...). */
  objectId: string;
  tenantId: string;
}

export interface ServicePrincipal extends Principal {
  clientSecret: string;
}

export interface ManagedIdentity extends Principal {
  /** The VM's own identity: IMDS uses it when the request names no client_id. */
  systemAssigned: boolean;
}

export class Directory {
  readonly servicePrincipals = new Map<string, ServicePrincipal>();
  readonly managedIdentities = new Map<string, ManagedIdentity>();
  /** `<namespace>/<pod name>` -> client id of a managed identity. */
  readonly podIdentities = new Map<string, string>();

  constructor(readonly defaultTenantId: string) {}

  addServicePrincipal(o: Partial<ServicePrincipal> = {}): ServicePrincipal {
    const sp: ServicePrincipal = {
      clientId: o.clientId ?? randomUUID(),
      objectId: o.objectId ?? randomUUID(),
      tenantId: o.tenantId ?? this.defaultTenantId,
      // Shaped like a real AAD client secret: 40 chars with a "~" in it.
      clientSecret: o.clientSecret ?? `Zx8Q~${randomBytes(27).toString("base64url")}`,
    };
    this.servicePrincipals.set(sp.clientId.toLowerCase(), sp);
    return sp;
  }

  addManagedIdentity(o: Partial<ManagedIdentity> = {}): ManagedIdentity {
    const mi: ManagedIdentity = {
      clientId: o.clientId ?? randomUUID(),
      objectId: o.objectId ?? randomUUID(),
      tenantId: o.tenantId ?? this.defaultTenantId,
      systemAssigned: o.systemAssigned ?? false,
    };
    if (mi.systemAssigned) {
      for (const other of this.managedIdentities.values()) other.systemAssigned = false;
    }
    this.managedIdentities.set(mi.clientId.toLowerCase(), mi);
    return mi;
  }

  /** Binds a pod to a managed identity, as an AzureIdentityBinding would. */
  addPodIdentity(namespace: string, podName: string, identityClientId: string): void {
    if (!this.managedIdentities.has(identityClientId.toLowerCase())) {
      throw new Error(`no managed identity ${identityClientId}: add it first`);
    }
    this.podIdentities.set(`${namespace}/${podName}`, identityClientId.toLowerCase());
  }

  /** A tenant exists when it is the default one or some principal lives in it. */
  hasTenant(tenantId: string): boolean {
    const t = tenantId.toLowerCase();
    const all = [...this.servicePrincipals.values(), ...this.managedIdentities.values()];
    return t === this.defaultTenantId.toLowerCase() || all.some((p) => p.tenantId.toLowerCase() === t);
  }

  servicePrincipal(clientId: string): ServicePrincipal | undefined {
    return this.servicePrincipals.get(clientId.toLowerCase());
  }

  managedIdentity(clientId: string): ManagedIdentity | undefined {
    return this.managedIdentities.get(clientId.toLowerCase());
  }

  systemAssignedIdentity(): ManagedIdentity | undefined {
    return [...this.managedIdentities.values()].find((m) => m.systemAssigned);
  }

  identityOfPod(namespace: string, podName: string): ManagedIdentity | undefined {
    const clientId = this.podIdentities.get(`${namespace}/${podName}`);
    return clientId ? this.managedIdentities.get(clientId) : undefined;
  }
}
