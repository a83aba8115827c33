/**
 * GET /features/values computes a page from the page's own bars plus the bars its values
 * depend on (each feature's `memory`), not from the first stored bar. These tests pin what
 * that costs in exactness against the full-history computation the endpoint used to do.
 *
 * The tolerance, and why there is one: the library keeps rolling sums as running sums
 * (sum += new - old), so a full-history value carries round-off accumulated since the first
 * bar, ~1e-16 relative per step; recursive smoothers (EMA, Wilder) keep a trace of their seed
 * that `memory` sizes to 1e-12 of its weight. Measured on 1-minute bars the largest
 * difference was ~7e-10 of a column's RMS (a z-score right after a quiet stretch);
 * the test allows 1e-8 of the column's RMS, and null positions must match exactly.
 */
import { featureValuesBody } from '../../compute/tasks';
import { syntheticSeries } from '../testing/synthetic';
import type { BarSeries, ColumnarSeries } from '../types';
import { parseFeature } from './catalogue';
import { computeFeatures } from './compute';

/** Every family, at long and short parameters (long where the memory still fits the series). */
const FEATURES = [
  'sma_1000',
  'ema_1000',
  'ema_2',
  'rsi_300',
  'rsi_14',
  'macd',
  'macd_signal',
  'macd_hist',
  'bb_width',
  'bb_percent_b',
  'atr_300',
  'atr_14',
  'stoch_k_500',
  'stoch_d_14',
  'adx_100',
  'adx_2',
  'returns_1000',
  'volatility_100',
  'volatility_2',
  'zscore_100',
  'zscore_2',
  'momentum_1000',
  'hour_sin',
  'dow_cos',
];
const TOLERANCE = 1e-8;

/** 1-minute bars on a 5-decimal grid, as a feed prints them, with quiet (flat) minutes now and then. */
function feed(bars: number): BarSeries {
  const s = syntheticSeries({ bars, seed: 11, timeframe: '1m', volatility: 0.0004 });
  const round = (v: number) => Math.round(v * 1e5) / 1e5;
  for (let i = 0; i < bars; i++) {
    // The first 30 bars and 8 bars every ~3000 do not move at all.
    const flat = i < 30 || (i % 2999 > 0 && i % 2999 <= 8);
    const c = round(flat && i > 0 ? s.close[i - 1] : s.close[i]);
    s.close[i] = c;
    s.open![i] = flat ? c : round(s.open![i]!);
    s.high![i] = flat ? c : Math.max(c, round(s.high![i]!));
    s.low![i] = flat ? c : Math.min(c, round(s.low![i]!));
  }
  return s;
}

function columnar(s: BarSeries, from: number, to: number): ColumnarSeries {
  const f = (a: (number | null)[]) => Float64Array.from(a.slice(from, to), (v) => v ?? NaN);
  return {
    symbol: s.symbol,
    timeframe: s.timeframe,
    length: to - from,
    timestamps: f(s.timestamps),
    close: f(s.close),
    open: f(s.open!),
    high: f(s.high!),
    low: f(s.low!),
    volume: f(s.volume!),
  };
}

describe('feature values over a span equal the full-history values', () => {
  const series = feed(24_000);
  const full = computeFeatures(series, FEATURES);

  it.each([
    ['the first page (computed from bar 0, exactly as before)', 0],
    ['a page in the middle', 16_500],
    ['the last page', 23_000],
  ])('%s', (_label, from) => {
    const rows = 1_000;
    for (const name of FEATURES) {
      // As the endpoint does (it uses the longest memory of the request's features, never less).
      const lookback = Math.min(from, parseFeature(name).memory);
      const body = JSON.parse(
        new TextDecoder().decode(
          featureValuesBody({
            kind: 'feature-values',
            series: columnar(series, from - lookback, from + rows),
            features: [name],
            skip: lookback,
            rows,
            nextStart: null,
          }),
        ),
      );
      expect(body.rows).toHaveLength(rows);
      expect(body.rows[0].timestamp).toBe(new Date(series.timestamps[from]).toISOString());
      const expected = full[name].slice(from, from + rows);
      const got: (number | null)[] = body.rows.map((r: { values: Record<string, number | null> }) => r.values[name]);
      expect({ name, nulls: got.map((v) => v === null) }).toEqual({ name, nulls: expected.map((v) => v === null) });
      const present = full[name].filter((v): v is number => v !== null);
      const rms = Math.sqrt(present.reduce((sum, v) => sum + v * v, 0) / present.length);
      let worst = 0;
      got.forEach((v, i) => v !== null && (worst = Math.max(worst, Math.abs(v - expected[i]!))));
      expect({ name, withinTolerance: worst <= TOLERANCE * rms, worst, rms }).toMatchObject({
        name,
        withinTolerance: true,
      });
      if (from === 0) expect({ name, got }).toEqual({ name, got: expected });
    }
  });

  it('sizes memory so that a smoother forgets its seed: ema_1000 needs ~15k earlier bars, sma_20 its window', () => {
    expect(parseFeature('sma_20').memory).toBe(19);
    expect(parseFeature('ema_1000').memory).toBeGreaterThan(13_000);
    expect(parseFeature('adx_14').memory).toBeGreaterThan(2 * parseFeature('atr_14').memory - 100);
    // Too little memory shows: starting ema_1000 only 2000 bars early is off by far more.
    const from = 20_000;
    const short = computeFeatures({ ...series, ...sliceAll(series, from - 2000, from + 10) }, ['ema_1000'])
      .ema_1000[2000]!;
    expect(Math.abs(short - full.ema_1000[from]!)).toBeGreaterThan(1e-9);
  });
});

function sliceAll(s: BarSeries, from: number, to: number): Partial<BarSeries> {
  return {
    timestamps: s.timestamps.slice(from, to),
    close: s.close.slice(from, to),
    open: s.open!.slice(from, to),
    high: s.high!.slice(from, to),
    low: s.low!.slice(from, to),
    volume: s.volume!.slice(from, to),
  };
}
