/**
 * Small statistics and formatting helpers shared by the benchmarks.
 *
 * Medians, not means: a bench on a shared 2-core machine sees occasional stalls (GC, another
 * process), and one stall should not move the result.
 */

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export function ms(x: number): string {
  return x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`;
}

export function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** Elapsed milliseconds since `start` (from process.hrtime.bigint()). */
export function since(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** One line of the final table: a measure, its value, the goal, and whether the goal holds. */
export interface GoalRow {
  measure: string;
  value: string;
  goal: string;
  /** undefined: informational, no goal. */
  met?: boolean;
}

export function goalTable(rows: readonly GoalRow[]): string {
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => [r.measure, r.value, r.goal][i]!.length), ['MEASURE', 'VALUE', 'GOAL'][i]!.length));
  const line = (a: string, b: string, c: string, d: string) => `${a.padEnd(w[0]!)}  ${b.padEnd(w[1]!)}  ${c.padEnd(w[2]!)}  ${d}`.trimEnd();
  return [
    line('MEASURE', 'VALUE', 'GOAL', ''),
    ...rows.map((r) => line(r.measure, r.value, r.goal, r.met === undefined ? '' : r.met ? '✓' : '✗')),
  ].join('\n');
}
