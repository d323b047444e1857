/** Gini coefficient of non-negative values (0: everyone the same; near 1: one does everything). */
export function gini(values: number[]): number {
  const xs = [...values].sort((a, b) => a - b);
  const n = xs.length;
  const total = xs.reduce((s, x) => s + x, 0);
  if (n === 0 || total === 0) return 0;
  const weighted = xs.reduce((s, x, i) => s + (i + 1) * x, 0);
  return (2 * weighted) / (n * total) - (n + 1) / n;
}
