import { decayTest, fisherCi95, liveMetrics, pnlAfterCosts, type ScoredPrediction } from './live-metrics';

const DAY = 86_400_000;
const T0 = Date.parse('2024-01-01T00:00:00Z');

/** Four daily EUR/USD predictions at price 1.0, horizon 1 bar. */
function rows(pred: number[], real: number[], horizon = 1): ScoredPrediction[] {
  return pred.map((p, i) => ({
    symbol: 'EUR/USD',
    asOf: T0 + i * DAY,
    realisedAt: T0 + (i + horizon) * DAY,
    predicted: p,
    realised: real[i],
    price: 1,
  }));
}

const SHAPE = { timeframe: '1d' as const, horizonBars: 1, targetIsLogReturn: false };
const NO_COSTS = { spreadPips: 0, slippagePips: 0, swap: {} };

describe('live performance metrics', () => {
  const pred = [0.01, -0.02, 0.03, 0.0];
  const real = [0.02, -0.01, -0.01, 0.01];

  it('IC, rank IC, directional accuracy, MSE against naive zero: by hand', () => {
    const m = liveMetrics(rows(pred, real), SHAPE, NO_COSTS);
    expect(m.n).toBe(4);
    // Deviations from the means (0.005, 0.0025): Σ dp·dr = 5e-5, Σ dp² = 1.3e-3, Σ dr² = 6.75e-4.
    expect(m.ic).toBeCloseTo(0.00005 / Math.sqrt(0.0013 * 0.000675), 12);
    // Ranks [3, 1, 4, 2] against [4, 1.5, 1.5, 3] (a tie): Σ = 0.5, Σ² = 5 and 4.5.
    expect(m.rank_ic).toBeCloseTo(0.5 / Math.sqrt(5 * 4.5), 12);
    // Signs right on the first two; a prediction of 0 makes no call (wrong): 2 of 4.
    expect(m.directional_accuracy).toBe(0.5);
    expect(m.directional_accuracy_se).toBeCloseTo(Math.sqrt((0.5 * 0.5) / 4), 12);
    // Errors 0.01, 0.01, −0.04, 0.01 → (1 + 1 + 16 + 1)e-4 / 4; realised² (4 + 1 + 1 + 1)e-4 / 4.
    expect(m.mse).toBeCloseTo(19e-4 / 4, 15);
    expect(m.mse_naive_zero).toBeCloseTo(7e-4 / 4, 15);
    expect(m.ic_ci95).toEqual(fisherCi95(m.ic, 4));
  });

  it('PnL after costs: sign positions, half a spread per unit changed', () => {
    // Spread 2 pips = 0.0002 at price 1: positions +1, −1, +1, 0 change by 1, 2, 2, 1 units.
    const { pnl, periods } = pnlAfterCosts(rows(pred, real), SHAPE, { spreadPips: 2, slippagePips: 0, swap: {} });
    expect(periods).toBe(4);
    expect(pnl).toBeCloseTo((1 + 0.02 - 0.0001) * (1 + 0.01 - 0.0002) * (1 - 0.01 - 0.0002) * (1 + 0 - 0.0001) - 1, 12);
    expect(liveMetrics(rows(pred, real), SHAPE, NO_COSTS).pnl_after_costs).toBeCloseTo(1.02 * 1.01 * 0.99 * 1 - 1, 12);
  });

  it('PnL skips predictions whose holding period overlaps the one traded before', () => {
    // Horizon 2: the bars of days 0 and 2 are traded; days 1 and 3 fall inside a held period.
    const { pnl, periods } = pnlAfterCosts(
      rows([1, 1, -1, -1], [0.01, 0.5, 0.02, 0.5], 2),
      { ...SHAPE, horizonBars: 2 },
      NO_COSTS,
    );
    expect(periods).toBe(2);
    expect(pnl).toBeCloseTo(1.01 * 0.98 - 1, 12);
  });

  it('PnL is the mean over symbols', () => {
    const a = rows([1], [0.01]);
    const b = rows([-1], [0.03]).map((r) => ({ ...r, symbol: 'GBP/USD' }));
    expect(pnlAfterCosts([...a, ...b], SHAPE, NO_COSTS).pnl).toBeCloseTo((0.01 - 0.03) / 2, 12);
  });

  it('no scored predictions: every figure null', () => {
    expect(liveMetrics([], SHAPE, NO_COSTS)).toMatchObject({
      n: 0,
      ic: null,
      rank_ic: null,
      directional_accuracy: null,
      mse: null,
      mse_naive_zero: null,
      pnl_after_costs: null,
    });
  });

  it('Fisher z interval of a correlation', () => {
    // z = atanh(0.5) = 0.549306, half-width 1.96 / sqrt(25) = 0.391993.
    const [lo, hi] = fisherCi95(0.5, 28)!;
    expect(lo).toBeCloseTo(Math.tanh(Math.atanh(0.5) - 1.959963984540054 / 5), 12);
    expect(hi).toBeCloseTo(Math.tanh(Math.atanh(0.5) + 1.959963984540054 / 5), 12);
    expect(lo).toBeCloseTo(0.156028, 5);
    expect(hi).toBeCloseTo(0.735818, 5);
    expect(fisherCi95(0.5, 3)).toBeNull();
    expect(fisherCi95(null, 100)).toBeNull();
    const [l1, h1] = fisherCi95(1, 10)!;
    expect(l1).toBeLessThanOrEqual(1);
    expect(h1).toBeLessThanOrEqual(1);
  });

  it('decay test: degraded only when the whole interval lies below the backtest IC', () => {
    // IC 0.5 over 28 → [0.156, 0.736].
    expect(decayTest(0.5, 28, 0.7, 20).status).toBe('ok');
    expect(decayTest(0.5, 28, 0.74, 20).status).toBe('degraded');
    expect(decayTest(0.5, 28, 0.74, 30).status).toBe('insufficient_data');
    expect(decayTest(null, 28, 0.1, 20).status).toBe('insufficient_data');
    expect(decayTest(0.5, 28, null, 20).status).toBe('no_backtest');
    expect(decayTest(-0.2, 100, 0.05, 30)).toMatchObject({
      status: 'degraded',
      n: 100,
      backtest_ic: 0.05,
      live_ic: -0.2,
    });
  });
});
