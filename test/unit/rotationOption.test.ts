// rotationpollinterval as parseVolumeOptions reads it: the forms CONTRACT.md names, the
// bounds, "0", and the file names a rotating layout keeps for itself.
import { parseVolumeOptions } from "../../src/options/parseVolumeOptions";
import { optionErrorOf } from "./optionErrorOf";

const CLIENT_SECRET = "Zq8~xK2.vN5-secretValue_7Jp";

function options(changes: Record<string, string>): Record<string, string> {
  return {
    keyvaultname: "myvault",
    keyvaultobjectnames: "db-password;tls",
    keyvaultobjecttypes: "secret;cert",
    tenantid: "72f988bf-86f1-41af-91ab-2d7cd011db47",
    "kubernetes.io/secret/clientid": Buffer.from("00000000-1111-2222-3333-444444444444").toString("base64"),
    "kubernetes.io/secret/clientsecret": Buffer.from(CLIENT_SECRET).toString("base64"),
    ...changes,
  };
}

const intervalOf = (value: string) =>
  parseVolumeOptions(options({ rotationpollinterval: value })).rotationIntervalSeconds;

test.each([
  ["30s", 30],
  ["2m", 120],
  ["1h30m", 5400],
  ["1h30m15s", 5415],
  ["1H", 3600],
  ["90", 90],
  ["10", 10],
  [" 45s ", 45],
  ["168h", 604800],
])("%j is %d seconds", (value, seconds) => {
  expect(intervalOf(value)).toBe(seconds);
});

test("absent or empty: the volume does not rotate", () => {
  expect(parseVolumeOptions(options({})).rotationIntervalSeconds).toBeUndefined();
  expect("rotationIntervalSeconds" in parseVolumeOptions(options({ rotationpollinterval: "" }))).toBe(false);
});

test.each([
  ["0", /"0" is not an interval; leave the option out \(or empty\)/],
  ["0s", /"0s" is not an interval; leave the option out/],
  ["9", /"9" is shorter than 10 s; give an interval from 10s to 168h/],
  ["5s", /shorter than 10 s/],
  ["169h", /longer than a week/],
  ["1.5h", /"1.5h" is not an interval; give a duration such as "30s", "2m" or "1h30m", or plain seconds/],
  ["30m1h", /not an interval/],
  ["-30s", /not an interval/],
  ["500ms", /not an interval/],
  ["2 m", /not an interval/],
  ["h", /not an interval/],
  ["99999999999", /not an interval/],
])("%j is refused, naming the option", (value, message) => {
  const error = optionErrorOf(() => intervalOf(value));
  expect(error.option).toBe("rotationpollinterval");
  expect(error.message).toMatch(message);
  expect(error.message).not.toContain(CLIENT_SECRET);
});

test("a rotating volume refuses a file name starting with '..' (its layout's ..data); a plain one keeps it", () => {
  const aliased = { keyvaultobjectaliases: "..data;tls.crt" };
  const error = optionErrorOf(() => parseVolumeOptions(options({ ...aliased, rotationpollinterval: "1m" })));
  expect(error.option).toBe("keyvaultobjectaliases");
  expect(error.message).toMatch(/"\.\.data" starts with "\.\."/);
  expect(parseVolumeOptions(options(aliased)).objects[0].fileName).toBe("..data");
});

test("a rotating volume refuses an env file named '..something', naming envfile", () => {
  const error = optionErrorOf(() => parseVolumeOptions(options({ envfile: "..env", rotationpollinterval: "1m" })));
  expect(error.option).toBe("envfile");
  expect(error.message).toMatch(
    /"\.\.env" starts with "\.\.", which a volume with rotationpollinterval keeps .*; give the env file another name/,
  );
  expect(parseVolumeOptions(options({ envfile: ".env", rotationpollinterval: "1m" })).envFile).toBe(".env");
});
