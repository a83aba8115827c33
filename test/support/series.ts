/** Deterministic synthetic price series for tests (seeded; no network, no fixtures). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Standard normal draws from a seeded uniform source (Box–Muller). */
export function gaussian(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
}

/** A random walk in log price: returns are i.i.d., so nothing is predictable. */
export function randomWalk(n: number, seed: number, vol = 0.005): number[] {
  const g = gaussian(lcg(seed));
  const out: number[] = [];
  let p = 1.2;
  for (let i = 0; i < n; i++) {
    p *= Math.exp(vol * g());
    out.push(p);
  }
  return out;
}

/** A planted pattern: each return reverses most of the previous one (AR(1), phi = -0.7). */
export function meanReverting(n: number, seed: number, vol = 0.004, phi = -0.7): number[] {
  const g = gaussian(lcg(seed));
  const out: number[] = [];
  let p = 1.2;
  let r = 0;
  for (let i = 0; i < n; i++) {
    r = phi * r + vol * g();
    p *= Math.exp(r);
    out.push(p);
  }
  return out;
}

/** CSV text of daily close-only bars starting at 2000-01-03, every calendar day. */
export function dailyCsv(closes: number[], start = Date.parse('2000-01-03T00:00:00Z')): string {
  return [
    'timestamp,close',
    ...closes.map((c, i) => `${new Date(start + i * 86_400_000).toISOString()},${c.toFixed(6)}`),
  ].join('\n');
}

const HOUR = 3_600_000;

/**
 * `n` hourly bar times as an FX feed has them: from Sunday 22:00 UTC to Friday 21:00, then the
 * weekend (the bar after Friday 21:00 is Sunday 22:00, 49 hours later). `start` must be a
 * Sunday 22:00 (default 2021-01-03).
 */
export function fxHourlyTimestamps(n: number, start = Date.parse('2021-01-03T22:00:00Z')): number[] {
  const out: number[] = [];
  for (let t = start; out.length < n; t += HOUR) {
    const d = new Date(t);
    const day = d.getUTCDay();
    const hour = d.getUTCHours();
    const weekend = day === 6 || (day === 5 && hour >= 22) || (day === 0 && hour < 22);
    if (!weekend) out.push(t);
  }
  return out;
}

/** CSV text of close-only bars at the given times. */
export function barsCsv(closes: number[], timestamps: number[]): string {
  return ['timestamp,close', ...closes.map((c, i) => `${new Date(timestamps[i]).toISOString()},${c.toFixed(6)}`)].join(
    '\n',
  );
}
