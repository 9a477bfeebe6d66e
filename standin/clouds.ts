// The Azure clouds the stand-in impersonates: which login hosts answer for each,
// where its vaults live and which resource (token audience) its vaults accept.

/** The clouds by the names a volume's `cloudname` gives them (the stand-in's own list, not the driver's). */
export type CloudName =
  "AzurePublicCloud" | "AzureChinaCloud" | "AzureUSGovernmentCloud" | "AzureGermanCloud" | "AzureStackCloud";

export interface Cloud {
  name: CloudName;
  /** The login host credentials are configured with; Key Vault's 401 challenge names it. */
  authorityHost: string;
  /**
   * Every login host that answers for this cloud (AAD's aliases), the preferred one
   * first. MSAL swaps the configured host for the preferred one: China's token POSTs
   * go to login.partner.microsoftonline.cn although the authority is login.chinacloudapi.cn.
   */
  loginHosts: string[];
  /** `<vault>.<vaultDnsSuffix>` is a vault's host. */
  vaultDnsSuffix: string;
  /** Token audience Key Vault accepts (the scope is this + "/.default"). */
  vaultResource: string;
}

export const AZURE_PUBLIC_CLOUD: Cloud = {
  name: "AzurePublicCloud",
  authorityHost: "login.microsoftonline.com",
  loginHosts: ["login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"],
  vaultDnsSuffix: "vault.azure.net",
  vaultResource: "https://vault.azure.net",
};

export const AZURE_CHINA_CLOUD: Cloud = {
  name: "AzureChinaCloud",
  authorityHost: "login.chinacloudapi.cn",
  loginHosts: ["login.partner.microsoftonline.cn", "login.chinacloudapi.cn"],
  vaultDnsSuffix: "vault.azure.cn",
  vaultResource: "https://vault.azure.cn",
};

export const AZURE_US_GOVERNMENT_CLOUD: Cloud = {
  name: "AzureUSGovernmentCloud",
  authorityHost: "login.microsoftonline.us",
  loginHosts: ["login.microsoftonline.us", "login.usgovcloudapi.net"],
  vaultDnsSuffix: "vault.usgovcloudapi.net",
  vaultResource: "https://vault.usgovcloudapi.net",
};

export const AZURE_GERMAN_CLOUD: Cloud = {
  name: "AzureGermanCloud",
  authorityHost: "login.microsoftonline.de",
  loginHosts: ["login.microsoftonline.de"],
  vaultDnsSuffix: "vault.microsoftazure.de",
  vaultResource: "https://vault.microsoftazure.de",
};

export const WELL_KNOWN_CLOUDS: readonly Cloud[] = [
  AZURE_PUBLIC_CLOUD,
  AZURE_CHINA_CLOUD,
  AZURE_US_GOVERNMENT_CLOUD,
  AZURE_GERMAN_CLOUD,
];

/** An Azure Stack Hub: a login host and a vault DNS suffix of its own. */
export function azureStackCloud(loginHost: string, vaultDnsSuffix: string): Cloud {
  return {
    name: "AzureStackCloud",
    authorityHost: loginHost,
    loginHosts: [loginHost],
    vaultDnsSuffix,
    vaultResource: `https://${vaultDnsSuffix}`,
  };
}

/**
 * The cloud description an operator puts in AZURE_ENVIRONMENT_FILEPATH, in the JSON
 * shape of go-autorest's azure.Environment (what the Go driver read).
 */
export function environmentFileJson(cloud: Cloud): string {
  const env = {
    name: cloud.name,
    managementPortalURL: `https://portal.${cloud.vaultDnsSuffix.replace(/^vault\./, "")}/`,
    resourceManagerEndpoint: `https://management.${cloud.vaultDnsSuffix.replace(/^vault\./, "")}/`,
    activeDirectoryEndpoint: `https://${cloud.authorityHost}/`,
    keyVaultEndpoint: `${cloud.vaultResource}/`,
    keyVaultDNSSuffix: cloud.vaultDnsSuffix,
    tokenAudience: `${cloud.vaultResource}/`,
    resourceIdentifiers: { keyVault: cloud.vaultResource },
  };
  return JSON.stringify(env, null, 2);
}

/** Compares token audiences the way Key Vault does: a trailing "/" does not matter. */
export function sameResource(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/\/+$/, "").toLowerCase();
  return norm(a) === norm(b);
}
