import { forEachConcurrently } from "../../src/vault/workPool";

const tick = () => new Promise((resolve) => setImmediate(resolve));

test("works on every item, never more than the limit at once, starting them in order", async () => {
  let running = 0;
  let peak = 0;
  const started: number[] = [];
  await forEachConcurrently([10, 11, 12, 13, 14, 15, 16], 3, async (item, index) => {
    started.push(item);
    expect(index).toBe(item - 10);
    peak = Math.max(peak, ++running);
    await tick();
    running--;
  });
  expect(started).toEqual([10, 11, 12, 13, 14, 15, 16]);
  expect(peak).toBe(3);
});

test("starts nothing new once stop() is true, and lets the started items finish", async () => {
  const finished: number[] = [];
  let failed = false;
  await forEachConcurrently(
    [0, 1, 2, 3, 4, 5, 6, 7],
    2,
    async (item) => {
      await tick();
      if (item === 2) failed = true;
      finished.push(item);
    },
    () => failed,
  );
  expect(finished).toEqual([0, 1, 2, 3]);
});

test("an empty list and a limit above its length are fine", async () => {
  const seen: string[] = [];
  await forEachConcurrently([], 4, async () => undefined);
  await forEachConcurrently(["a", "b"], 16, async (item) => void seen.push(item));
  expect(seen).toEqual(["a", "b"]);
});
