import fc from 'fast-check';
import { regressionMetrics } from './regression-metrics';

describe('regressionMetrics', () => {
  // scikit-learn documentation examples (r2_score, mean_squared_error, mean_absolute_error).
  const yTrue = [3, -0.5, 2, 7];
  const yPred = [2.5, 0.0, 2, 8];

  it('matches the scikit-learn examples for mse, rmse, mae and r2', () => {
    const m = regressionMetrics(yTrue, yPred);
    expect(m.n).toBe(4);
    expect(m.mse).toBeCloseTo(0.375, 15);
    expect(m.rmse).toBeCloseTo(Math.sqrt(0.375), 15);
    expect(m.mae).toBeCloseTo(0.5, 15);
    // sklearn: r2_score(...) = 0.948...
    expect(m.r2!).toBeGreaterThanOrEqual(0.948);
    expect(m.r2!).toBeLessThan(0.949);
  });

  it('matches the scikit-learn r2 examples for perfect, mean-level and reversed predictions', () => {
    expect(regressionMetrics([1, 2, 3], [1, 2, 3]).r2).toBe(1);
    expect(regressionMetrics([1, 2, 3], [2, 2, 2]).r2).toBe(0);
    expect(regressionMetrics([1, 2, 3], [3, 2, 1]).r2).toBe(-3);
  });

  it('counts a prediction of 0 as no directional call (wrong) and excludes realised zeros', () => {
    // Sample 2 predicts 0 for a realised -0.5: wrong. 3 of 4 right.
    const m = regressionMetrics(yTrue, yPred);
    expect(m.directional_accuracy).toBe(0.75);
    expect(m.directional_n).toBe(4);
    expect(m.directional_accuracy_se).toBeCloseTo(Math.sqrt((0.75 * 0.25) / 4), 15);

    // Realised zeros are left out of both numerator and denominator.
    const z = regressionMetrics([0, 1, -1, 0, 2], [5, 1, 1, -3, 2]);
    expect(z.directional_n).toBe(3);
    expect(z.directional_accuracy).toBeCloseTo(2 / 3, 15);
  });

  it('reports null directional accuracy when nothing moved', () => {
    const m = regressionMetrics([0, 0, 0], [0.1, -0.2, 0.3]);
    expect(m.directional_accuracy).toBeNull();
    expect(m.directional_accuracy_se).toBeNull();
    expect(m.directional_n).toBe(0);
    expect(m.r2).toBeNull(); // SS_tot = 0
  });

  it('gives null ic/rank_ic (not NaN) for constant predictions and computes r2 normally', () => {
    const m = regressionMetrics([1, 2, 3, 4], [2.5, 2.5, 2.5, 2.5]);
    expect(m.ic).toBeNull();
    expect(m.rank_ic).toBeNull();
    expect(m.r2).toBe(0); // predicting the mean
  });

  it('reports IC as Pearson and rank IC as Spearman of prediction vs realised', () => {
    const m = regressionMetrics([10, 9, 2.5, 6, 4, 3, 2], [1, 2, 3, 4, 5, 6, 7]);
    expect(m.ic).toBeCloseTo(-0.828503883588428, 12); // scipy pearsonr docs
    const s = regressionMetrics([5, 6, 7, 8, 7], [1, 2, 3, 4, 5]);
    expect(s.rank_ic).toBeCloseTo(0.8207826816681233, 12); // scipy spearmanr docs
  });

  it('rejects mismatched, empty or non-finite input', () => {
    expect(() => regressionMetrics([1, 2], [1])).toThrow(RangeError);
    expect(() => regressionMetrics([], [])).toThrow(/empty/);
    expect(() => regressionMetrics([1, NaN], [1, 2])).toThrow(/yTrue\[1\]/);
    expect(() => regressionMetrics([1, 2], [Infinity, 2])).toThrow(/yPred\[0\]/);
  });

  it('accepts Float64Array as well as number[]', () => {
    const a = regressionMetrics(Float64Array.from(yTrue), Float64Array.from(yPred));
    expect(a).toEqual(regressionMetrics(yTrue, yPred));
  });

  // Property tests. Values are small integers / 8 so sums are exact and reordering cannot
  // change a result through rounding: the invariance tested is the metric's, not the float's.
  const value = fc.integer({ min: -80, max: 80 }).map((v) => v / 8);
  const pairs = fc.array(fc.tuple(value, value), { minLength: 1, maxLength: 60 });

  it('is invariant to the order of the samples (property)', () => {
    fc.assert(
      fc.property(pairs, fc.integer(), (rows, seed) => {
        const shuffled = [...rows];
        let s = seed >>> 0;
        for (let i = shuffled.length - 1; i > 0; i--) {
          s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
          const j = s % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
        }
        const a = regressionMetrics(
          rows.map((r) => r[0]),
          rows.map((r) => r[1]),
        );
        const b = regressionMetrics(
          shuffled.map((r) => r[0]),
          shuffled.map((r) => r[1]),
        );
        for (const key of Object.keys(a) as (keyof typeof a)[]) {
          const x = a[key];
          const y = b[key];
          if (x === null || y === null) expect(y).toBe(x);
          else expect(y).toBeCloseTo(x, 9);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("never divides by zero for naive_zero's predictions, whatever the targets (property)", () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 60 }), (ys) => {
        const m = regressionMetrics(ys, new Array<number>(ys.length).fill(0));
        for (const v of Object.values(m)) if (v !== null) expect(Number.isFinite(v)).toBe(true);
        const moved = ys.filter((y) => y !== 0).length;
        expect(m.directional_n).toBe(moved);
        // A zero forecast makes no directional call: 0 where the market moved, null where it never did.
        expect(m.directional_accuracy).toBe(moved === 0 ? null : 0);
        expect(m.ic).toBeNull();
        expect(m.rank_ic).toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  it('keeps directional accuracy, ic and rank_ic within their ranges (property)', () => {
    fc.assert(
      fc.property(pairs, (rows) => {
        const m = regressionMetrics(
          rows.map((r) => r[0]),
          rows.map((r) => r[1]),
        );
        if (m.directional_accuracy !== null)
          expect(m.directional_accuracy >= 0 && m.directional_accuracy <= 1).toBe(true);
        for (const c of [m.ic, m.rank_ic]) if (c !== null) expect(Math.abs(c)).toBeLessThanOrEqual(1);
        expect(m.mae).toBeLessThanOrEqual(m.rmse + 1e-12);
      }),
      { numRuns: 200 },
    );
  });
});
