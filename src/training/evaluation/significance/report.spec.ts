import { gaussian, mulberry32 } from '../testing/synthetic';
import { significanceReport, testSpanKey } from './report';

describe('the significance block', () => {
  const normal = gaussian(mulberry32(3));
  const n = 400;
  const realised = Array.from({ length: n }, () => 0.01 * normal());
  const score = realised.map((r) => r + 0.02 * normal());
  const returns = Float64Array.from(realised, (r, i) => Math.sign(score[i]) * r);
  const input = {
    testSpan: {
      symbols: ['GBP/USD', 'EUR/USD'],
      timeframe: '1d',
      first: '2009-01-01T00:00:00.000Z',
      last: '2010-01-01T00:00:00.000Z',
    },
    horizonBars: 4,
    symbolCount: 2,
    periodsPerYear: 65,
    seed: 9,
    icScore: score,
    icRealised: realised,
    scoreName: 'prediction',
    forecastLossName: 'squared_error',
    model: { forecastLoss: Float64Array.from(realised, (r, i) => (r - score[i]) ** 2), portfolioReturns: returns },
    baselines: {
      naive_zero: { forecastLoss: Float64Array.from(realised, (r) => r * r), portfolioReturns: new Float64Array(n) },
      always_long: { portfolioReturns: Float64Array.from(realised) },
    },
  };

  it('raises the IC lag to the overlap of H-bar targets across interleaved symbols, and the DM horizon with it', () => {
    const s = significanceReport(input);
    // floor(4·4^(2/9)) = 5 < (H − 1)·S = 6
    expect(s.ic.lag).toBe(6);
    expect(s.diebold_mariano.naive_zero.forecast!.horizon).toBe(7);
    expect(s.diebold_mariano.naive_zero.strategy.horizon).toBe(1);
    expect(s.diebold_mariano.always_long.forecast).toBeUndefined();
    // A planted signal: IC ≈ 0.45, far beyond noise.
    expect(s.ic.t_stat!).toBeGreaterThan(5);
    expect(s.sharpe.value!).toBeGreaterThan(0);
    expect(s.sharpe.confidence_interval.low!).toBeLessThan(s.sharpe.value!);
  });

  it('a one-sample test part gives the block without statistics, not an error that fails the training', () => {
    const one = {
      ...input,
      icScore: [0.1],
      icRealised: [0.2],
      model: { forecastLoss: [0.01], portfolioReturns: [0.2] },
      baselines: { naive_zero: { forecastLoss: [0.04], portfolioReturns: [0] } },
    };
    const s = significanceReport(one);
    expect(s.ic.t_stat).toBeNull();
    expect(s.diebold_mariano.naive_zero.forecast!.statistic).toBeNull();
    expect(s.sharpe).toMatchObject({ value: null, probabilistic: null, confidence_interval: { low: null } });
  });

  it('keys the test span on sorted symbols, timeframe, first and last sample; same input and seed give the same block', () => {
    const s = significanceReport(input);
    expect(s.test_span.symbols).toEqual(['EUR/USD', 'GBP/USD']);
    expect(s.test_span.key).toBe(testSpanKey({ ...input.testSpan, symbols: ['EUR/USD', 'GBP/USD'] }));
    expect(s.test_span.key).not.toBe(testSpanKey({ ...input.testSpan, last: '2010-01-02T00:00:00.000Z' }));
    expect(significanceReport(input)).toEqual(s);
  });
});
