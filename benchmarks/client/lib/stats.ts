/** Median and "median [min – max]" formatting for benchmark tables. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** `median [min – max]` with `digits` decimals. */
export function spread(values: readonly number[], digits: number): string {
  const f = (v: number) => v.toFixed(digits);
  return `${f(median(values))} [${f(Math.min(...values))} – ${f(Math.max(...values))}]`;
}

/** The `p`-th percentile (0..100) of unsorted samples, nearest rank. */
export function percentile(values: Float64Array | readonly number[], p: number): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}
