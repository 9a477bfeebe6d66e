import { nextDue, nextTick, nodePhaseMs, retryDelayMs } from "../../src/refresher/schedule";

const MINUTE = 60_000;
const DAY = 86_400_000;

test("a node's phase is its own, stable, within a day, and spread over nodes", () => {
  expect(nodePhaseMs("aks-nodepool1-12345678-vmss000000")).toBe(nodePhaseMs("aks-nodepool1-12345678-vmss000000"));
  const phases = Array.from({ length: 1000 }, (_, i) =>
    nodePhaseMs(`aks-nodepool1-12345678-vmss${String(i).padStart(6, "0")}`),
  );
  for (const phase of phases) {
    expect(phase).toBeGreaterThanOrEqual(0);
    expect(phase).toBeLessThan(DAY);
  }
  // Over a 2-minute interval, the nodes' ticks fall in every tenth of it, about as many in each.
  const tenths = new Array<number>(10).fill(0);
  for (const phase of phases) tenths[Math.floor(((phase % (2 * MINUTE)) / (2 * MINUTE)) * 10)]++;
  for (const count of tenths) {
    expect(count).toBeGreaterThan(60);
    expect(count).toBeLessThan(140);
  }
});

test("ticks lie on phase + k × interval, strictly after the time given", () => {
  const phase = 7_000;
  expect(nextTick(MINUTE, 0, phase)).toBe(7_000);
  expect(nextTick(MINUTE, 7_000, phase)).toBe(67_000);
  expect(nextTick(MINUTE, 66_999, phase)).toBe(67_000);
  const tick = nextTick(MINUTE, 1_700_000_000_123, phase);
  expect((tick - phase) % MINUTE).toBe(0);
  expect(tick - 1_700_000_000_123).toBeGreaterThan(0);
  expect(tick - 1_700_000_000_123).toBeLessThanOrEqual(MINUTE);
});

test("volumes of one node and interval share ticks, and a 2m volume's ticks are 1m ticks too", () => {
  const phase = nodePhaseMs("node-a");
  const mounts = [1_700_000_000_000, 1_700_000_013_000, 1_700_000_041_000];
  const firsts = mounts.map((mounted) => nextDue(MINUTE, mounted, phase));
  for (const first of firsts) expect((first - phase) % MINUTE).toBe(0);
  expect((nextDue(2 * MINUTE, mounts[0], phase) - phase) % MINUTE).toBe(0);
});

test("the first refresh comes half an interval to one and a half after the mount, then one every interval", () => {
  const phase = nodePhaseMs("node-b");
  for (let mounted = 1_700_000_000_000; mounted < 1_700_000_000_000 + 5 * MINUTE; mounted += 7_919) {
    const first = nextDue(MINUTE, mounted, phase);
    expect(first - mounted).toBeGreaterThan(MINUTE / 2);
    expect(first - mounted).toBeLessThanOrEqual(1.5 * MINUTE);
    // A pass that ends a little after its tick (up to half an interval) keeps the cadence.
    for (const late of [0, 250, 20_000, MINUTE / 2 - 1])
      expect(nextDue(MINUTE, first + late, phase)).toBe(first + MINUTE);
  }
});

test("retries back off from 10 s, doubling, never later than the interval, ±20 %", () => {
  const hour = 60 * MINUTE;
  expect([1, 2, 3, 4].map((failures) => retryDelayMs(failures, hour, 0.5))).toEqual([10_000, 20_000, 40_000, 80_000]);
  expect(retryDelayMs(30, hour, 0.5)).toBe(hour);
  expect(retryDelayMs(5, 30_000, 0.5)).toBe(30_000);
  expect(retryDelayMs(1, hour, 0)).toBe(8_000);
  expect(retryDelayMs(1, hour, 0.999999)).toBe(12_000);
  expect(retryDelayMs(1000, hour, 0.5)).toBe(hour);
});

test("a retry's jitter never takes it past the interval", () => {
  for (const intervalMs of [10_000, 30_000, 45_000, 60 * MINUTE])
    for (let failures = 1; failures < 25; failures++)
      for (const random of [0, 0.5, 0.75, 0.999999])
        expect(retryDelayMs(failures, intervalMs, random)).toBeLessThanOrEqual(intervalMs);
  // Below the cap the jitter stays: 40 s ±20 % within a 45 s interval.
  expect(retryDelayMs(3, 45_000, 0)).toBe(32_000);
  expect(retryDelayMs(3, 45_000, 0.999999)).toBe(45_000);
});
