import fc from 'fast-check';
import { InvalidTargetError, UnknownTargetError } from '../errors';
import { syntheticSeries } from '../testing/synthetic';
import type { BarSeries } from '../types';
import { computeTarget, parseTarget } from './targets';

const HOUR = 3_600_000;
function hourly(close: number[]): BarSeries {
  return { symbol: 'EUR/USD', timeframe: '1h', timestamps: close.map((_, i) => i * HOUR), close };
}

describe('parseTarget', () => {
  it('converts durations and bar counts into bars of the series timeframe', () => {
    expect(parseTarget('price_change_4h', '1h').horizonBars).toBe(4);
    expect(parseTarget('log_return_1d', '1h').horizonBars).toBe(24);
    expect(parseTarget('direction_1d', '4h').horizonBars).toBe(6);
    expect(parseTarget('price_change_3', '1d').horizonBars).toBe(3);
    expect(parseTarget('regime', '1h')).toMatchObject({ horizonBars: 20, lookbackBars: 100, kind: 'classification' });
    expect(parseTarget('regime_1d', '1h').horizonBars).toBe(24);
  });

  it('refuses a horizon finer than one bar and says why', () => {
    expect(() => parseTarget('price_change_1h', '4h')).toThrow(InvalidTargetError);
    expect(() => parseTarget('price_change_1h', '4h')).toThrow(/finer than one 4h bar/);
    expect(() => parseTarget('direction_90m', '1h')).toThrow(/not a whole number of 1h bars/);
    expect(() => parseTarget('log_return_0', '1h')).toThrow(/not at least one bar/);
    expect(() => parseTarget('log_return', '1h')).toThrow(/needs a horizon/);
    expect(() => parseTarget('regime_1', '1h')).toThrow(/at least 2 bars/);
    expect(() => parseTarget('direction_1h', '1h', { flatBand: -1 })).toThrow(/flat band/);
  });

  it('rejects unknown targets', () => {
    expect(() => parseTarget('sharpe_1d', '1h')).toThrow(UnknownTargetError);
  });
});

describe('computeTarget', () => {
  const close = [1.0, 1.01, 1.0, 1.0004, 0.99, 1.02];
  const s = hourly(close);

  it('price_change and log_return look exactly H bars ahead and are null past the end', () => {
    const pc = computeTarget(s, parseTarget('price_change_2h', '1h'));
    const lr = computeTarget(s, parseTarget('log_return_2', '1h'));
    expect(pc[0]).toBeCloseTo(1.0 / 1.0 - 1, 12);
    expect(pc[1]).toBeCloseTo(1.0004 / 1.01 - 1, 12);
    expect(pc[3]).toBeCloseTo(1.02 / 1.0004 - 1, 12);
    expect(lr[2]).toBeCloseTo(Math.log(0.99 / 1.0), 12);
    expect(pc.slice(4)).toEqual([null, null]);
    expect(lr.slice(4)).toEqual([null, null]);
  });

  it('direction uses the flat band: |r| <= band is flat (1), else down (0) / up (2)', () => {
    const spec = parseTarget('direction_1h', '1h', { flatBand: 0.0005 });
    expect(spec.classes).toEqual(['down', 'flat', 'up']);
    // r: +1%, -0.99%, +0.04% (flat), -1.04%, +3.03%
    expect(computeTarget(s, spec)).toEqual([2, 0, 1, 0, 2, null]);
    // A wider band turns the small moves flat; the band edge itself is flat.
    expect(computeTarget(s, parseTarget('direction_1h', '1h', { flatBand: 0.011 }))).toEqual([1, 1, 1, 1, 2, null]);
    expect(computeTarget(hourly([1, 1.5]), parseTarget('direction_1', '1h', { flatBand: 0.5 }))[0]).toBe(1);
  });

  it('regime labels a steady climb trending_up, a slide trending_down, a calm walk ranging and a blow-up volatile', () => {
    const spec = parseTarget('regime_10', '1h', { regime: { volLookback: 50, trendZ: 1.5, volRatio: 1.5 } });
    expect(spec.classes).toEqual(['trending_up', 'trending_down', 'ranging', 'volatile']);
    // 60 bars alternating +-0.1%, then 10 bars of a given shape.
    const base: number[] = [1];
    for (let i = 1; i < 60; i++) base.push(base[i - 1] * (i % 2 ? 1.001 : 1 / 1.001));
    const tail = (f: (i: number) => number) => {
      const c = [...base];
      for (let i = 0; i < 10; i++) c.push(c[c.length - 1] * f(i));
      return computeTarget(hourly(c), spec)[59];
    };
    expect(tail(() => 1.0012)).toBe(0); // +1.2% over 10 bars vs band 1.5 * 0.1% * sqrt(10) = 0.47%
    expect(tail(() => 1 / 1.0012)).toBe(1);
    expect(tail((i) => (i % 2 ? 1.001 : 1 / 1.001))).toBe(2);
    expect(tail((i) => (i % 2 ? 1.01 : 1 / 1.01))).toBe(3); // 10x the usual swing, no net move
    // Warm-up: no label before the look-back is filled, none where t + H is past the end.
    const labels = computeTarget(hourly([...base, ...base]), spec);
    expect(labels.slice(0, 50).every((v) => v === null)).toBe(true);
    expect(labels.slice(110).every((v) => v === null)).toBe(true);
    expect(labels.slice(50, 110).every((v) => v !== null)).toBe(true);
  });

  it('reads no bar after t + H nor before t - lookback (changing them never changes the label at t)', () => {
    const base = syntheticSeries({ bars: 200, seed: 5, closeOnly: true });
    const names = ['price_change_4', 'log_return_4', 'direction_4', 'regime_4'];
    fc.assert(
      fc.property(fc.integer({ min: 120, max: 190 }), fc.integer({ min: 1, max: 1e6 }), (t, seed) => {
        const other = syntheticSeries({ bars: 200, seed, closeOnly: true, startPrice: 1.4, volatility: 0.01 });
        for (const name of names) {
          const spec = parseTarget(name, '1h', { regime: { volLookback: 30 } });
          const from = t - spec.lookbackBars;
          const to = t + spec.horizonBars;
          const mixed = base.close.map((c, i) => (i >= from && i <= to ? c : other.close[i]));
          const a = computeTarget(base, spec)[t];
          const b = computeTarget({ ...base, close: mixed }, spec)[t];
          expect({ name, t, v: b }).toEqual({ name, t, v: a });
        }
      }),
      { numRuns: 40 },
    );
  });
});
