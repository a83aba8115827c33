/**
 * Flat stretches (a quiet market, a forward-filled feed): values defined by the catalogue's
 * own rules instead of the round-off of the library's running sums, and an ADX that does not
 * stay null for the rest of the series after a flat start.
 */
import { syntheticSeries } from '../testing/synthetic';
import type { BarSeries } from '../types';
import { computeFeatures } from './compute';

function withFlat(s: BarSeries, from: number, to: number): BarSeries {
  const out = { ...s, close: [...s.close], open: [...s.open!], high: [...s.high!], low: [...s.low!] };
  for (let i = from; i < to; i++) out.close[i] = out.open[i] = out.high[i] = out.low[i] = out.close[from - 1] ?? 1.1;
  return out;
}

describe('flat windows', () => {
  // 3000 moving bars first, so the running means carry round-off into the flat stretch.
  const s = withFlat(syntheticSeries({ bars: 3100, seed: 4, timeframe: '1m' }), 3000, 3100);

  it('zscore is 0, %B 0.5 and the band width 0 on a window of equal closes', () => {
    const out = computeFeatures(s, ['zscore_20', 'bb_percent_b', 'bb_width']);
    for (let i = 3030; i < 3100; i++) {
      expect({ i, z: out.zscore_20[i], b: out.bb_percent_b[i], w: out.bb_width[i] }).toEqual({ i, z: 0, b: 0.5, w: 0 });
    }
    // Just before the stretch the values are ordinary.
    expect(Math.abs(out.zscore_20[2999]!)).toBeGreaterThan(1e-6);
  });

  it('adx restarts after a flat start instead of staying null (the library seeds 0/0 = NaN)', () => {
    const flatStart = withFlat(syntheticSeries({ bars: 400, seed: 9, timeframe: '1m' }), 1, 60);
    const adx = computeFeatures(flatStart, ['adx_14']).adx_14;
    const first = adx.findIndex((v) => v !== null);
    expect(first).toBeGreaterThanOrEqual(60);
    expect(first).toBeLessThanOrEqual(60 + 2 * 14);
    expect(adx.slice(first).every((v) => v !== null && v >= 0 && v <= 100)).toBe(true);
  });
});
