// The order statistics every bench reports: one definition, so a p99 means the same in every figure.

/** The nearest-rank percentile of values already sorted ascending: the smallest value at or above p % of them. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** The median of values in any order (the mean of the two middle ones when their count is even). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The 95th percentile of values in any order. */
export function p95(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 95);
}
