import type { Dataset, DatasetPart } from '../../features/core';
import type { BaselinePredictions } from '../evaluation/baselines';
import { combineFolds, concatParts } from './combine';

const part = (t0: number, n: number, F = 2): DatasetPart => ({
  count: n,
  windows: Float32Array.from({ length: n * F }, (_, i) => t0 + i),
  targets: Float64Array.from({ length: n }, (_, i) => (t0 + i) / 100),
  timestamps: Array.from({ length: n }, (_, i) => t0 + i),
  symbols: Array.from({ length: n }, () => 'EUR/USD'),
  windowStart: Array.from({ length: n }, (_, i) => t0 + i - 1),
  targetEnd: Array.from({ length: n }, (_, i) => t0 + i + 1),
});
const preds = (v: number, n: number, lambda: number): BaselinePredictions => ({
  naive_zero: new Float64Array(n),
  naive_last: new Float64Array(n).fill(v),
  ridge: new Float64Array(n).fill(-v),
  ridgeSelection: { model: { lambda } } as BaselinePredictions['ridgeSelection'],
});

describe('combining walk-forward folds', () => {
  it('concatenates the test parts in fold order, every per-sample array aligned', () => {
    const c = concatParts([part(10, 2), part(20, 3)]);
    expect(c.count).toBe(5);
    expect(c.timestamps).toEqual([10, 11, 20, 21, 22]);
    expect([...c.targets]).toEqual([0.1, 0.11, 0.2, 0.21, 0.22]);
    expect([...c.windows]).toEqual([10, 11, 12, 13, 20, 21, 22, 23, 24, 25]);
    expect(c.windowStart).toEqual([9, 10, 19, 20, 21]);
    expect(c.targetEnd).toEqual([11, 12, 21, 22, 23]);
  });

  it("puts the model's and each baseline's fold predictions side by side with the samples", () => {
    const fold = (t0: number, n: number, v: number, lambda: number) => ({
      test: part(t0, n),
      prediction: new Float64Array(n).fill(v),
      baselines: preds(v, n, lambda),
    });
    const final = { test: part(0, 0), window: 1 } as Dataset;
    const c = combineFolds([fold(10, 2, 1, 0.1), fold(20, 1, 2, 10)], final);
    expect(c.dataset.window).toBe(1);
    expect(c.dataset.test.timestamps).toEqual([10, 11, 20]);
    expect([...c.prediction]).toEqual([1, 1, 2]);
    expect([...c.baselines.naive_last]).toEqual([1, 1, 2]);
    expect([...c.baselines.ridge]).toEqual([-1, -1, -2]);
    expect(c.baselines.ridgeSelection.model.lambda).toBe(10);
  });
});
