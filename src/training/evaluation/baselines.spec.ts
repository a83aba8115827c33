import { fitBaselines } from './baselines';
import { regressionMetrics } from './regression-metrics';
import { plantedLinear } from './testing/synthetic';

/** Flattened windows with a target that is linear in them, split chronologically. */
function planted(noise: number) {
  const beta = [0.002, -0.001, 0.0005, 0, 0.003, -0.002];
  const part = (n: number, seed: number) => plantedLinear(n, beta, 0.0001, noise, seed);
  return { train: part(1500, 1), val: part(400, 2), test: part(500, 3), featureCount: beta.length };
}

const backtestOptions = { horizonBars: 1, periodsPerYear: 6240, spreadPips: 1, pipSize: 0.0001, price: 1.1 };

describe('fitBaselines', () => {
  const d = planted(0.001);
  const lastChangeTest = Array.from(d.test.y, (_, i) => (i === 0 ? null : d.test.y[i - 1]));
  const b = fitBaselines({
    xTrain: d.train.x,
    yTrain: d.train.y,
    xVal: d.val.x,
    yVal: d.val.y,
    xTest: d.test.x,
    yTest: d.test.y,
    featureCount: d.featureCount,
    lastChangeTest,
    backtestOptions,
  });

  it('reports every baseline with the regression metrics and a backtest', () => {
    for (const r of [b.naive_zero, b.naive_last, b.ridge]) {
      expect(r.n).toBe(500);
      expect(Object.keys(r)).toEqual(
        expect.arrayContaining([
          'mse',
          'rmse',
          'mae',
          'r2',
          'directional_accuracy',
          'directional_accuracy_se',
          'ic',
          'rank_ic',
          'backtest',
        ]),
      );
      expect(r.backtest.periods).toBe(500);
    }
  });

  it('naive_zero predicts no change: MSE is the mean square of the target, no trades', () => {
    const meanSquare = d.test.y.reduce((s, v) => s + v * v, 0) / d.test.y.length;
    expect(b.naive_zero.mse).toBeCloseTo(meanSquare, 15);
    expect(b.naive_zero.directional_accuracy).toBe(0);
    expect(b.naive_zero.ic).toBeNull();
    expect(b.naive_zero.backtest).toMatchObject({
      trades: 0,
      exposure: 0,
      total_return: 0,
      sharpe: null,
      hit_rate: null,
    });
  });

  it('naive_last predicts the given last change, a missing one as 0', () => {
    const pred = lastChangeTest.map((v) => v ?? 0);
    expect(b.naive_last.mse).toBe(regressionMetrics(d.test.y, pred).mse);
  });

  it('ridge learns the planted linear relation: beats both naive baselines out of sample', () => {
    expect(b.ridge.lambda_selected_on).toBe('validation');
    expect(b.ridge.lambda_search).toHaveLength(7);
    expect(b.ridge.lambda).toBe(1e-3);
    expect(b.ridge.mse).toBeLessThan(b.naive_zero.mse / 10);
    expect(b.ridge.mse).toBeLessThan(b.naive_last.mse);
    expect(b.ridge.r2!).toBeGreaterThan(0.9);
    expect(b.ridge.ic!).toBeGreaterThan(0.9);
    expect(b.ridge.directional_accuracy!).toBeGreaterThan(0.8);
  });

  it('is deterministic', () => {
    const again = fitBaselines({
      xTrain: d.train.x,
      yTrain: d.train.y,
      xVal: d.val.x,
      yVal: d.val.y,
      xTest: d.test.x,
      yTest: d.test.y,
      featureCount: d.featureCount,
      lastChangeTest,
      backtestOptions,
    });
    expect(again).toEqual(b);
  });

  it('rejects a lastChangeTest or xTest that does not match yTest', () => {
    const input = {
      xTrain: d.train.x,
      yTrain: d.train.y,
      xVal: d.val.x,
      yVal: d.val.y,
      xTest: d.test.x,
      yTest: d.test.y,
      featureCount: d.featureCount,
      lastChangeTest,
      backtestOptions,
    };
    expect(() => fitBaselines({ ...input, lastChangeTest: lastChangeTest.slice(1) })).toThrow(/lastChangeTest/);
    expect(() => fitBaselines({ ...input, xTest: d.test.x.subarray(d.featureCount) })).toThrow(/xTest has/);
  });
});
