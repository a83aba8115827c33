/** A seeded random walk of daily closes, as CSV: the data the serving benchmarks train on. */
export function dailyCsv(n: number, seed: number): string {
  let s = seed >>> 0;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const start = Date.parse('2000-01-03T00:00:00Z');
  const lines = ['timestamp,close'];
  let p = 1.2;
  for (let i = 0; i < n; i++) {
    p *= Math.exp(0.005 * Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand()));
    lines.push(`${new Date(start + i * 86_400_000).toISOString()},${p.toFixed(6)}`);
  }
  return lines.join('\n');
}
