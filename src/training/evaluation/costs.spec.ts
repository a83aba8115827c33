import { canonicalSymbol } from '../../market-data/symbols';
import { backtest } from './backtest';
import { parseSwapTable, rolloverDays } from './costs';
import { evaluateStrategy } from './strategy';

const at = (iso: string) => Date.parse(iso);

describe('cost model: rollover days (17:00 New York, Wednesday triple)', () => {
  it('one day per weekday rollover, three on Wednesday, none at the weekend (January: EST, 22:00 UTC)', () => {
    expect(rolloverDays(at('2024-01-08T00:00:00Z'), at('2024-01-09T00:00:00Z'))).toBe(1); // Monday
    expect(rolloverDays(at('2024-01-10T00:00:00Z'), at('2024-01-11T00:00:00Z'))).toBe(3); // Wednesday
    expect(rolloverDays(at('2024-01-12T00:00:00Z'), at('2024-01-15T00:00:00Z'))).toBe(1); // Friday → Monday: Friday's only
    expect(rolloverDays(at('2024-01-08T00:00:00Z'), at('2024-01-15T00:00:00Z'))).toBe(1 + 1 + 3 + 1 + 1); // a week: 7
  });

  it('follows US daylight saving: 21:00 UTC in July, 22:00 UTC in January', () => {
    // (Wed 21:30, Thu 21:30] UTC: in July it holds Thursday's 21:00 rollover only (1 day);
    // in January Wednesday's 22:00 rollover (3 days) and not Thursday's (22:00 > 21:30).
    expect(rolloverDays(at('2024-07-10T21:30:00Z'), at('2024-07-11T21:30:00Z'))).toBe(1);
    expect(rolloverDays(at('2024-01-10T21:30:00Z'), at('2024-01-11T21:30:00Z'))).toBe(3);
  });

  it('counts a rollover at the end of the interval, not one at its start', () => {
    expect(rolloverDays(at('2024-01-08T22:00:00Z'), at('2024-01-09T22:00:00Z'))).toBe(1); // Tuesday's, not Monday's
    expect(rolloverDays(at('2024-01-09T00:00:00Z'), at('2024-01-09T00:00:00Z'))).toBe(0);
  });

  it('parses BACKTEST_SWAP_POINTS and says what is wrong', () => {
    expect(parseSwapTable('{"eurusd": {"long": -0.62, "short": 0.18}}', canonicalSymbol)).toEqual({
      'EUR/USD': { long: -0.62, short: 0.18 },
    });
    expect(parseSwapTable('{}', canonicalSymbol)).toEqual({});
    expect(() => parseSwapTable('{"EUR/USD": {"long": 1}}', canonicalSymbol)).toThrow(/EUR\/USD needs finite numbers/);
    expect(() => parseSwapTable('[1]', canonicalSymbol)).toThrow(/JSON object/);
    expect(() => parseSwapTable('{"EURO": {"long": 1, "short": 1}}', canonicalSymbol)).toThrow(/not a currency pair/);
    expect(() => parseSwapTable('{', canonicalSymbol)).toThrow(/not valid JSON/);
  });
});

describe('cost model in the backtest: spread and slippage per side, swap per day (hand-computed)', () => {
  // Price 1.1, pip 0.0001, spread 1 pip (half per side), slippage 0.5 pip per side, swap long
  // −0.6 and short +0.2 pips a day; positions +1, +1, −1 held over 1, 3 (a Wednesday) and 1 days.
  const options = {
    horizonBars: 1,
    periodsPerYear: 260,
    spreadPips: 1,
    slippagePips: 0.5,
    pipSize: 0.0001,
    price: 1.1,
    swap: { long: -0.6, short: 0.2 },
    financingDays: [1, 3, 1],
  };
  const r = backtest([1, 1, -1], [0.01, 0, -0.02], options);

  it('charges |Δ| × (spread/2 + slippage) per change: 1 × 1 pip on entry, 2 × 1 pip on the reversal', () => {
    // (1 + 2) pips × 0.0001 / 1.1 = 2.727…e-4
    expect(r.transaction_costs).toBeCloseTo(3e-4 / 1.1, 15);
  });

  it('credits or charges swap × days: −0.6·1 − 0.6·3 + 0.2·1 = −2.2 pips → −2e-4', () => {
    expect(r.financing).toBeCloseTo(-2.2e-4 / 1.1, 15);
  });

  it('compounds the period returns after both', () => {
    const r0 = 0.01 - 1e-4 / 1.1 - 0.6e-4 / 1.1; // entry: half spread + slippage, one day long
    const r1 = -1.8e-4 / 1.1; // held through Wednesday: three days of long swap
    const r2 = 0.02 - 2e-4 / 1.1 + 0.2e-4 / 1.1; // reversal: a full spread + 2 slippages; a day short
    expect(r.total_return).toBeCloseTo((1 + r0) * (1 + r1) * (1 + r2) - 1, 15);
    expect(r.trades).toBe(2);
  });

  it('without slippage and swap it is the spread-only backtest it was', () => {
    const plain = backtest([1, 1, -1], [0.01, 0, -0.02], {
      horizonBars: 1,
      periodsPerYear: 260,
      spreadPips: 1,
      pipSize: 0.0001,
      price: 1.1,
    });
    expect(plain.transaction_costs).toBeCloseTo(1.5e-4 / 1.1, 15);
    expect(plain.financing).toBe(0);
  });

  it('refuses a swap without financing days', () => {
    expect(() =>
      backtest([1], [0.01], { horizonBars: 1, periodsPerYear: 1, price: 1, swap: { long: -1, short: 1 } }),
    ).toThrow(/financingDays/);
  });
});

describe('strategy evaluation: per-symbol swap, holding periods from bar closes, equal-weight portfolio', () => {
  it('holds a daily bar from its close (timestamp + 1 day) to the close of bar t+H, and averages symbols per decision', () => {
    const day = 86_400_000;
    const mon = at('2024-01-08T00:00:00Z');
    // Two symbols, three daily samples each (Mon, Tue, Wed bars), H = 1, always long.
    const timestamps = [mon, mon, mon + day, mon + day, mon + 2 * day, mon + 2 * day];
    const part = {
      symbols: ['EUR/USD', 'USD/JPY', 'EUR/USD', 'USD/JPY', 'EUR/USD', 'USD/JPY'],
      timestamps,
      targetEnd: timestamps.map((t) => t + day),
    };
    const e = evaluateStrategy([1, 1, 1, 1, 1, 1], {
      part,
      realised: [0.01, 0.02, 0, 0, 0, 0],
      targetIsLogReturn: false,
      price: [1, 100, 1, 100, 1, 100],
      horizonBars: 1,
      periodsPerYear: 260,
      barMs: day,
      spreadPips: 0,
      slippagePips: 0,
      swap: { 'EUR/USD': { long: -1, short: 0 } },
    });
    // EUR/USD long: Mon bar held Tue 00:00 → Wed 00:00 (Tuesday's rollover, 1 day), Tue bar
    // Wed → Thu (Wednesday's, 3 days), Wed bar Thu → Fri (1 day): −5 pips × 0.0001 / 1.
    expect(e.backtest.by_symbol['EUR/USD'].financing).toBeCloseTo(-5e-4, 15);
    expect(e.backtest.by_symbol['USD/JPY'].financing).toBe(0); // no swap configured for it
    expect(e.backtest.by_symbol['USD/JPY'].costs.swap_points).toBeNull();
    expect(e.portfolio.timestamps).toEqual([mon, mon + day, mon + 2 * day]);
    expect(e.portfolio.returns[0]).toBeCloseTo((0.01 - 1e-4 + 0.02) / 2, 15);
    expect(e.portfolio.returns[1]).toBeCloseTo(-3e-4 / 2, 15);
  });
});
