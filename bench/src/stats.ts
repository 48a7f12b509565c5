// Statistics of the suites that time whole processes or lints per round (the others use Benchmark.js's own).

/** The median of some samples. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Two-sided 95 % Student's t quantiles by degrees of freedom (1–10); beyond, 1.96 is close enough for a note. */
const T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228];

/** Relative margin of error of the mean at 95 % confidence, in percent (what Benchmark.js calls rme). */
export function rmePercent(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  return (((T95[n - 2] ?? 1.96) * Math.sqrt(variance)) / Math.sqrt(n) / mean) * 100;
}
