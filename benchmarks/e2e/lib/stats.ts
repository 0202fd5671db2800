/** Medians, spreads and target verdicts over interleaved rounds. */

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** A target on a ratio: `atLeast` (subject ÷ anchor ≥ bound) or `atMost` (≤ bound). */
export interface Bound {
  direction: 'atLeast' | 'atMost';
  bound: number;
}

/**
 * The verdict for per-round ratios: `met` / `MISSED` when every round agrees; when the rounds
 * fall on both sides of the bound the median decides, marked "within noise".
 */
export function verdict(ratios: readonly number[], b: Bound): string {
  const ok = (x: number) => (b.direction === 'atLeast' ? x >= b.bound : x <= b.bound);
  const passing = ratios.filter(ok).length;
  if (ratios.length === 0) return 'not measured';
  if (passing === ratios.length) return 'met';
  if (passing === 0) return '**MISSED**';
  return `${ok(median(ratios)) ? 'met' : '**MISSED**'} by the median, within noise (${passing} of ${ratios.length} rounds pass)`;
}

/** `1.23×` style, with enough digits to see a 5 % difference. */
export function formatRatio(x: number): string {
  if (!Number.isFinite(x)) return '–';
  return `${x.toFixed(x >= 10 ? 1 : 2)}×`;
}

export function formatRange(xs: readonly number[], format: (x: number) => string): string {
  if (xs.length === 0) return '–';
  return `${format(Math.min(...xs))} – ${format(Math.max(...xs))}`;
}

export function formatMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
