import fc from 'fast-check';
import { backtest } from './backtest';

const base = { horizonBars: 1, periodsPerYear: 252 };

describe('backtest', () => {
  it('compounds the realised moves when every call is right and trading is free', () => {
    const realised = [0.01, -0.02, 0.03];
    const r = backtest([1, -1, 1], realised, base);
    expect(r.total_return).toBeCloseTo(1.01 * 1.02 * 1.03 - 1, 15);
    expect(r.periods).toBe(3);
    expect(r.trades).toBe(3); // entry, flip, flip
    expect(r.exposure).toBe(1);
    expect(r.hit_rate).toBe(1);
    expect(r.max_drawdown).toBe(0);
  });

  it('uses only the sign of the prediction, not its size', () => {
    const a = backtest([0.0001, -5, 3], [0.01, -0.02, 0.03], base);
    const b = backtest([1, -1, 1], [0.01, -0.02, 0.03], base);
    expect(a).toEqual(b);
  });

  it('charges half a spread per unit of position change: entry ½, flip 1, exit ½ spread', () => {
    // 2-pip spread at price 1.0 with pip 0.0001: spread = 0.0002 → 0.0001 per unit changed.
    const r = backtest([1, 1, -1, 0], [0, 0, 0, 0], { ...base, spreadPips: 2, pipSize: 0.0001, price: 1 });
    const expected = [-0.0001, 0, -0.0002, -0.0001].reduce((e, x) => e * (1 + x), 1) - 1;
    expect(r.total_return).toBeCloseTo(expected, 15);
    expect(r.trades).toBe(3);
    expect(r.exposure).toBe(0.75);
    expect(r.hit_rate).toBe(0); // in the market three periods, never above zero after costs
  });

  it('divides the spread by the price at each decision when given a price array', () => {
    const r = backtest([1, -1], [0, 0], { ...base, spreadPips: 2, pipSize: 0.0001, price: [2, 4] });
    // entry: 1 × 0.0001 / 2; flip: 2 × 0.0001 / 4.
    expect(r.total_return).toBeCloseTo((1 - 0.00005) * (1 - 0.00005) - 1, 15);
  });

  it('converts a JPY spread with the 0.01 pip size', () => {
    // 1.5 pips on USD/JPY at 150: 0.015 / 150 = 1e-4 of the price, half of it to enter.
    const r = backtest([1], [0.002], { ...base, spreadPips: 1.5, pipSize: 0.01, price: 150 });
    expect(r.total_return).toBeCloseTo(0.002 - 0.00005, 15);
  });

  it('measures the max drawdown of a known equity curve from its running peak', () => {
    // Always long: equity 1.1, 0.55, 0.66, 1.32 → worst fall 1.1 → 0.55 = 50%.
    const r = backtest([1, 1, 1, 1], [0.1, -0.5, 0.2, 1.0], base);
    expect(r.max_drawdown).toBeCloseTo(0.5, 15);
    expect(r.total_return).toBeCloseTo(0.32, 12);
    // The starting equity counts as a peak: 1 → 0.9 → 0.81 is a 19% drawdown.
    expect(backtest([1, 1], [-0.1, -0.1], base).max_drawdown).toBeCloseTo(0.19, 15);
  });

  it('trades only every H-th sample when targets overlap (H > 1)', () => {
    // H = 3, 7 samples: decisions at 0, 3, 6; the others are ignored whatever they say.
    const preds = [1, -9, -9, -1, 9, 9, 1];
    const realised = [0.03, 5, 5, -0.06, 5, 5, 0.01];
    const r = backtest(preds, realised, { horizonBars: 3, periodsPerYear: 2080 });
    expect(r.periods).toBe(3);
    expect(r.total_return).toBeCloseTo(1.03 * 1.06 * 1.01 - 1, 15);
    expect(r.trades).toBe(3);
  });

  it('converts log-return targets to simple returns before compounding', () => {
    const r = backtest([1, -1], [Math.log(1.1), Math.log(0.8)], { ...base, targetIsLogReturn: true });
    expect(r.total_return).toBeCloseTo(1.1 * 1.2 - 1, 14);
  });

  it('reports no trades, zero exposure and null sharpe/hit rate for a strategy that never trades', () => {
    const r = backtest([0, 0, 0], [0.01, -0.02, 0.03], { ...base, spreadPips: 1, price: 1.1 });
    expect(r).toEqual({
      total_return: 0,
      annualized_return: 0,
      sharpe: null,
      max_drawdown: 0,
      hit_rate: null,
      trades: 0,
      exposure: 0,
      periods: 3,
      transaction_costs: 0,
      financing: 0,
    });
  });

  it('gives a null sharpe when every period return is the same, or with one period', () => {
    expect(backtest([1, 1, 1], [0.01, 0.01, 0.01], base).sharpe).toBeNull();
    expect(backtest([1], [0.01], base).sharpe).toBeNull();
  });

  it('annualises the Sharpe ratio with sqrt(periodsPerYear) and zero risk-free rate', () => {
    const rets = [0.01, -0.005, 0.02];
    const m = (0.01 - 0.005 + 0.02) / 3;
    const sd = Math.sqrt(rets.reduce((s, x) => s + (x - m) ** 2, 0) / 2);
    const r = backtest([1, 1, 1], rets, { horizonBars: 1, periodsPerYear: 100 });
    expect(r.sharpe).toBeCloseTo((m / sd) * 10, 12);
  });

  it('annualises the return geometrically over the periods traded', () => {
    const rets = [0.01, 0.02, -0.01, 0.03];
    const total = rets.reduce((e, x) => e * (1 + x), 1) - 1;
    expect(backtest([1, 1, 1, 1], rets, { horizonBars: 1, periodsPerYear: 4 }).annualized_return).toBeCloseTo(
      total,
      14,
    );
    expect(backtest([1, 1, 1, 1], rets, { horizonBars: 1, periodsPerYear: 8 }).annualized_return).toBeCloseTo(
      (1 + total) ** 2 - 1,
      14,
    );
  });

  it('rejects unusable options', () => {
    expect(() => backtest([1], [0.1], { ...base, spreadPips: 1 })).toThrow(/price/);
    expect(() => backtest([1, 1], [0.1, 0.1], { ...base, spreadPips: 1, price: [1] })).toThrow(/price has 1/);
    expect(() => backtest([1], [0.1], { ...base, spreadPips: 1, price: 0 })).toThrow(/price/);
    expect(() => backtest([1], [0.1], { ...base, horizonBars: 0 })).toThrow(/horizonBars/);
    expect(() => backtest([1], [0.1], { ...base, periodsPerYear: 0 })).toThrow(/periodsPerYear/);
    expect(() => backtest([], [], base)).toThrow(/empty/);
  });

  it('keeps its outputs finite and in range for any predictions (property)', () => {
    const ret = fc.double({ min: -0.05, max: 0.05, noNaN: true });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: -1, max: 1, noNaN: true }), ret), { minLength: 1, maxLength: 50 }),
        fc.integer({ min: 1, max: 5 }),
        (rows, h) => {
          const r = backtest(
            rows.map((x) => x[0]),
            rows.map((x) => x[1]),
            { horizonBars: h, periodsPerYear: 6240 / h, spreadPips: 1, price: 1.1 },
          );
          expect(r.periods).toBe(Math.ceil(rows.length / h));
          expect(r.max_drawdown).toBeGreaterThanOrEqual(0);
          expect(r.max_drawdown).toBeLessThan(1);
          expect(r.exposure >= 0 && r.exposure <= 1).toBe(true);
          expect(r.trades).toBeLessThanOrEqual(r.periods);
          expect(Number.isFinite(r.total_return)).toBe(true);
          if (r.sharpe !== null) expect(Number.isFinite(r.sharpe)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
