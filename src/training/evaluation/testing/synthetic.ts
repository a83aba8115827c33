/**
 * Seeded synthetic data for the evaluation tests: planted linear relations whose true
 * coefficients are known, so a fit can be checked against the truth, not against itself.
 */

/** mulberry32: a tiny seedable PRNG (uniform on [0, 1)). */
export function mulberry32(seed: number): () => number {
  const { imul } = Math; // bound once (see gaussian)
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws (Box–Muller) from a seeded uniform source. */
export function gaussian(uniform: () => number): () => number {
  // Bound once: a global lookup per draw is slow inside Jest's sandboxed globals.
  const { sqrt, log, cos, PI } = Math;
  return () => {
    const u = 1 - uniform(); // (0, 1], so log never sees 0
    return sqrt(-2 * log(u)) * cos(2 * PI * uniform());
  };
}

export interface PlantedData {
  x: Float64Array;
  y: Float64Array;
}

/**
 * n samples of p standard-normal columns (each column shifted by offset[j] when given) and
 * y = intercept + Σ coefficients·x + noise·N(0, 1).
 */
export function plantedLinear(
  n: number,
  coefficients: readonly number[],
  intercept: number,
  noise: number,
  seed: number,
  offsets?: readonly number[],
): PlantedData {
  const p = coefficients.length;
  const normal = gaussian(mulberry32(seed));
  const x = new Float64Array(n * p);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = intercept;
    for (let j = 0; j < p; j++) {
      const v = normal() + (offsets?.[j] ?? 0);
      x[i * p + j] = v;
      s += coefficients[j] * v;
    }
    y[i] = s + noise * normal();
  }
  return { x, y };
}
