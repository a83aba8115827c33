import { binCounts, NORMAL_DECILE_Z, psi, psiBand, referenceBins } from './psi';

describe('Population Stability Index', () => {
  it('matches a worked example (ten bins, computed independently with Python: Σ (a − e)·ln(a/e))', () => {
    const expected = new Array(10).fill(0.1);
    const actual = [0.05, 0.07, 0.09, 0.1, 0.11, 0.12, 0.12, 0.12, 0.11, 0.11];
    expect(psi(expected, actual)).toBeCloseTo(0.0602098113, 9);
    // Counts work as well as shares; identical distributions give 0.
    expect(
      psi(
        [10, 10, 10, 10, 10, 10, 10, 10, 10, 10],
        actual.map((a) => a * 1000),
      ),
    ).toBeCloseTo(0.0602098113, 9);
    expect(psi(expected, expected)).toBe(0);
  });

  it('a normal shifted by δ standard deviations, on decile bins of the unshifted one (exact bin shares from Φ)', () => {
    // Values computed in Python (statistics.NormalDist): δ = 0.25 → 0.0598, 0.5 → 0.2377, 1 → 0.9261.
    const phi = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));
    const shifted = (d: number) => {
      const edges = [-Infinity, ...NORMAL_DECILE_Z, Infinity];
      return Array.from({ length: 10 }, (_, i) => phi(edges[i + 1] - d) - phi(edges[i] - d));
    };
    const e = new Array(10).fill(0.1);
    expect(psi(e, shifted(0.25))).toBeCloseTo(0.0598156, 4);
    expect(psi(e, shifted(0.5))).toBeCloseTo(0.2377492, 4);
    expect(psi(e, shifted(1))).toBeCloseTo(0.9261424, 4);
  });

  it('floors empty bins instead of returning Infinity', () => {
    const value = psi([0.5, 0.5], [1, 0]);
    expect(Number.isFinite(value)).toBe(true);
    expect(value).toBeGreaterThan(0.25);
  });

  it('bands: < 0.1 stable, 0.1–0.25 moderate, > 0.25 significant', () => {
    expect(psiBand(0.05)).toBe('stable');
    expect(psiBand(0.1)).toBe('moderate');
    expect(psiBand(0.25)).toBe('moderate');
    expect(psiBand(0.2501)).toBe('significant');
  });

  it('bins with right-closed intervals and open ends; skips non-finite values', () => {
    expect(binCounts([-5, 0, 0.5, 1, 1.5, 2, 99, NaN, Infinity], [0, 1, 2])).toEqual([2, 2, 2, 1]);
  });

  it('reference bins: the stored training histogram first, else the z-score scaler (normal deciles), else min-max (uniform)', () => {
    const hist = {
      training_histograms: { a: { edges: [0, 1], proportions: [0.2, 0.5, 0.3] } },
      scaler: { kind: 'zscore', features: ['a', 'b', 'c'], mean: [0, 2, 1], std: [1, 0.5, 0] },
    };
    expect(referenceBins(hist, 'a')).toEqual({
      edges: [0, 1],
      expected: [0.2, 0.5, 0.3],
      source: 'training_histogram',
    });
    const b = referenceBins(hist, 'b')!;
    expect(b.source).toBe('normal_approximation');
    expect(b.edges[4]).toBe(2);
    expect(b.edges[0]).toBeCloseTo(2 - 0.5 * 1.2815515655, 9);
    expect(referenceBins(hist, 'c')).toBeNull(); // constant in training
    expect(referenceBins(hist, 'z')).toBeNull();
    const mm = referenceBins({ scaler: { kind: 'minmax', features: ['x'], min: [0], max: [10] } }, 'x')!;
    expect(mm).toMatchObject({ source: 'uniform_approximation', edges: [1, 2, 3, 4, 5, 6, 7, 8, 9] });
  });
});

/** Abramowitz–Stegun 7.1.26 is too coarse here; use a series/continued fraction good to ~1e-12. */
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const ax = Math.abs(x);
  if (ax < 3) {
    let sum = ax;
    let term = ax;
    for (let n = 1; n < 200; n++) {
      term *= (-ax * ax) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    return (sign * 2 * sum) / Math.sqrt(Math.PI);
  }
  // erfc continued fraction for large |x|
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (ax + f);
  return sign * (1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f));
}
