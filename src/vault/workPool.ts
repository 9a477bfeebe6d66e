// At most `limit` of a list's items worked on at once, taken in order: the fetch pool of
// a volume (fetchObjects.ts), for a mount and for `kv check --fetch` alike.

/**
 * Runs `work` on every item, `limit` at a time; once `stop()` is true no further item is
 * started (those in progress finish).
 */
export async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
  stop: () => boolean = () => false,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !stop()) {
      const index = next++;
      await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
