import { backtest } from '../../training/evaluation/backtest';
import { halfSpreadCosts, positionRewards, stepReward, validateEnvData, type TradingEnvData } from './trading-env';
import { compareWithBaselines, totalReturn, tradingMetrics } from './trading-metrics';

// 5 steps, windows of 2 bars × 1 feature; a constant half-spread cost of 0.001 per unit.
const env: TradingEnvData = {
  states: new Float32Array([0, 1, 1, 2, 2, 3, 3, 4, 4, 5]),
  window: 2,
  features: 1,
  nextReturns: new Float64Array([0.01, -0.02, 0.03, 0.01, -0.01]),
  costs: new Float64Array([0.001, 0.001, 0.001, 0.001, 0.001]),
};

describe('trading environment', () => {
  it('reward = position × next return − cost × |Δposition|, starting flat', () => {
    // flat→long (1 unit), long→short (2 units: a reversal), hold short, short→flat (1), flat→flat.
    const r = positionRewards(env, [1, -1, -1, 0, 0]);
    expect(r[0]).toBeCloseTo(0.01 - 0.001, 12);
    expect(r[1]).toBeCloseTo(0.02 - 0.002, 12);
    expect(r[2]).toBeCloseTo(-0.03, 12);
    expect(r[3]).toBeCloseTo(-0.001, 12);
    expect(r[4]).toBe(0);
    expect(stepReward(0, 0, 0.5, 0.1)).toBe(0);
  });

  it('costs are half the spread over the price (a full reversal pays one spread)', () => {
    const c = halfSpreadCosts([1.25, 1.0], 2, 2, 1e-4); // spread 2 pips = 0.0002
    expect(c[0]).toBeCloseTo(0.0001 / 1.25, 15);
    expect(c[1]).toBeCloseTo(0.0001, 15);
    expect(Array.from(halfSpreadCosts(1.1, 3, 0, 1e-4))).toEqual([0, 0, 0]);
    expect(() => halfSpreadCosts([1, 0], 2, 1, 1e-4)).toThrow('price[1] must be a finite number > 0');
  });

  it('rejects inconsistent data', () => {
    expect(validateEnvData(env)).toBe(5);
    expect(() => validateEnvData({ ...env, states: env.states.subarray(1) })).toThrow('[5, 2, 1] needs 10');
    expect(() => validateEnvData({ ...env, costs: new Float64Array(4) })).toThrow('costs has 4 values');
    expect(() => validateEnvData({ ...env, nextReturns: Float64Array.from([0, NaN, 0, 0, 0]) })).toThrow(
      'nextReturns[1] is not finite',
    );
    expect(() => positionRewards(env, [2, 0, 0, 0, 0])).toThrow('must be -1, 0 or 1');
  });

  it('metrics follow the evaluation backtest at H = 1 (same positions, costs, compounding)', () => {
    const positions = [1, -1, -1, 0, 1];
    const m = tradingMetrics(env, positions, 252);
    const price = 1.2;
    const spreadPips = (0.001 * 2 * price) / 1e-4; // so that half spread / price = 0.001
    const b = backtest(positions, Array.from(env.nextReturns), {
      horizonBars: 1,
      periodsPerYear: 252,
      spreadPips,
      pipSize: 1e-4,
      price,
    });
    expect(m.total_return).toBeCloseTo(b.total_return, 12);
    expect(m.annualized_return).toBeCloseTo(b.annualized_return, 9);
    expect(m.sharpe!).toBeCloseTo(b.sharpe!, 9);
    expect(m.max_drawdown).toBeCloseTo(b.max_drawdown, 12);
    expect(m.trades).toBe(b.trades);
    expect(m.exposure).toBe(b.exposure);
    expect(totalReturn(env, positions)).toBeCloseTo(m.total_return, 15);
  });

  it('baselines: buy-and-hold pays one half spread to enter; always-flat earns exactly 0', () => {
    const c = compareWithBaselines(env, [0, 0, 0, 0, 0], 252);
    const expected = (1 + 0.01 - 0.001) * (1 - 0.02) * 1.03 * 1.01 * 0.99 - 1;
    expect(c.buy_and_hold.total_return).toBeCloseTo(expected, 12);
    expect(c.buy_and_hold).toMatchObject({ trades: 1, exposure: 1 });
    expect(c.always_flat).toMatchObject({ total_return: 0, sharpe: null, trades: 0, exposure: 0, max_drawdown: 0 });
    expect(c.agent).toEqual(c.always_flat);
  });
});
