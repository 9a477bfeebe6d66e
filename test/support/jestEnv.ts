// Loaded before every test file (jest.config.js setupFiles). Code under test that logs, run in
// jest's own process by unit tests, must not write to the machine's real driver log
// (/var/log/kv-driver.log); the driver processes the e2e tests start get their own log path.
process.env.KV_DRIVER_LOG ??= "/dev/null";
