// A token that runs out while its mount is still fetching: Azure AD here issues tokens that
// last 3 s, and Key Vault answers after 0.6 s, so the later rounds of a 100-object mount go
// out after the first token has expired. NMI and IMDS may likewise hand out a cached token
// near its end. The latency stays under a second: the SDK itself sends a token until a
// second before it expires.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { kubeletOptions } from "../../standin/kubeletCall";
import { expectSingleJson } from "../support/driver";
import { standInSuite } from "../support/suite";

const suite = standInSuite({ tokenLifetimeSeconds: 3 });
const NAMES = Array.from({ length: 100 }, (_, i) => `rotating-${i}`);

beforeAll(() => {
  for (const name of NAMES) suite.vault.addSecret(name, `value of ${name}`);
});

test("a token that runs out mid-mount is asked for again, and the mount succeeds", async () => {
  suite.azure.injectFault({ latencyMs: 600 }, { service: "keyvault" });
  const volume = suite.kubelet.newVolume();
  const options = {
    keyvaultname: "contoso-kv",
    keyvaultobjectnames: NAMES.join(";"),
    keyvaultobjecttypes: NAMES.map(() => "secret").join(";"),
    tenantid: suite.azure.tenantId,
  };
  const result = await suite.kubelet.mount(volume, kubeletOptions(options, suite.sp));
  expect(expectSingleJson(result.combined)).toEqual({ status: "Success" });
  for (const name of NAMES) expect(readFileSync(join(volume.dir, name), "utf8")).toBe(`value of ${name}`);
  // More than one token: the first had run out before the last requests were sent.
  expect(suite.azure.stats("aad").requests).toBeGreaterThan(1);
  await suite.kubelet.unmount(volume);
}, 45_000);
