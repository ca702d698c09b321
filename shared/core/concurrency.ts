/**
 * Bounded concurrency: run an async function over many items with at most `limit` in flight.
 *
 * Why: every trigger may touch hundreds of accounts × regions; unbounded Promise.all would open
 * hundreds of sockets at once and trip the cloud's throttling. Results keep the input order and
 * every item settles (one failure never cancels the others), so callers can report each outcome.
 */

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Runs fn over items, at most `limit` at a time; resolves with every outcome, in input order. */
export async function mapSettled<I, O>(
  items: readonly I[],
  limit: number,
  fn: (item: I, index: number) => Promise<O>,
): Promise<Settled<O>[]> {
  const bound = Math.max(1, Math.floor(limit) || 1);
  const out: Settled<O>[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = { ok: true, value: await fn(items[i]!, i) };
      } catch (error) {
        out[i] = { ok: false, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(bound, items.length) }, worker));
  return out;
}

/** Splits items into consecutive chunks of `size` (the last may be shorter). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const n = Math.max(1, Math.floor(size) || 1);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
  return out;
}
