import { parseListenAddress } from "../../src/refresher/listenAddress";

test.each([
  [":9808", { port: 9808 }],
  ["0.0.0.0:9808", { host: "0.0.0.0", port: 9808 }],
  ["127.0.0.1:0", { host: "127.0.0.1", port: 0 }],
  ["[::1]:9808", { host: "::1", port: 9808 }],
  ["[::]:80", { host: "::", port: 80 }],
  ["localhost:9808", { host: "localhost", port: 9808 }],
])("%j", (text, address) => {
  expect(parseListenAddress(text)).toEqual(address);
});

test.each([
  ["9808", /is not \[host\]:port/],
  [":99999", /is not \[host\]:port/],
  [":http", /is not \[host\]:port/],
  ["::1:9808", /is not \[host\]:port/],
  ["metrics.example.com:9808", /"metrics.example.com" is not an IP address/],
  ["", /is not \[host\]:port/],
])("%j is refused", (text, problem) => {
  expect(parseListenAddress(text)).toEqual({ problem: expect.stringMatching(problem) });
});
