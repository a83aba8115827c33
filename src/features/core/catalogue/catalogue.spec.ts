import fc from 'fast-check';
import { InvalidFeatureParameterError, InvalidSeriesError, MissingColumnError, UnknownFeatureError } from '../errors';
import { syntheticSeries } from '../testing/synthetic';
import type { BarSeries } from '../types';
import { CATALOGUE, exampleName, listCatalogue, parseFeature } from './catalogue';
import { computeFeatures } from './compute';
import { MOVAVG_CLOSES } from './__fixtures__/stockcharts-closes';

/** Every catalogue entry at its default parameters, plus a few non-default ones. */
const ALL_EXAMPLES = [
  ...CATALOGUE.map(exampleName),
  'sma_5',
  'ema_3',
  'rsi_3',
  'atr_5',
  'stoch_k_5',
  'stoch_d_5',
  'adx_5',
  'returns_3',
  'volatility_5',
  'zscore_5',
  'momentum_3',
];

describe('parseFeature', () => {
  it('parses parameterised and fixed names into specs with their warm-up', () => {
    expect(parseFeature('sma_20')).toMatchObject({
      name: 'sma_20',
      pattern: 'sma_{N}',
      params: { N: 20 },
      columns: ['close'],
      warmup: 19,
    });
    expect(parseFeature('stoch_d_14')).toMatchObject({
      params: { N: 14 },
      columns: ['high', 'low', 'close'],
      warmup: 15,
    });
    expect(parseFeature('macd_signal')).toMatchObject({ fixed: { fast: 12, slow: 26, signal: 9 }, warmup: 33 });
    expect(parseFeature('adx_14').warmup).toBe(27);
    expect(parseFeature('hour_sin')).toMatchObject({ columns: [], warmup: 0 });
  });

  it.each(['foo', 'sma20', 'macd_fast', 'hour', ''])('rejects the unknown name %p', (name) => {
    expect(() => parseFeature(name)).toThrow(UnknownFeatureError);
  });

  it.each([
    ['sma', /missing/],
    ['sma_', /missing/],
    ['sma_x', /got 'x'/],
    ['sma_020', /got '020'/],
    ['sma_1', /from 2 to 1000, got 1/],
    ['rsi_100000', /got 100000/],
    ['returns_0', /got '0'/],
    ['returns_2_3', /got '2_3'/],
  ])('rejects %p with a parameter error naming N', (name, message) => {
    let error: unknown;
    try {
      parseFeature(name);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidFeatureParameterError);
    expect((error as InvalidFeatureParameterError).parameter).toBe('N');
    expect((error as Error).message).toMatch(message);
  });
});

describe('listCatalogue', () => {
  it('lists every required feature family with parameters, columns and warm-up', () => {
    const list = listCatalogue();
    const patterns = list.map((e) => e.pattern);
    for (const p of [
      'sma_{N}',
      'ema_{N}',
      'rsi_{N}',
      'macd',
      'macd_signal',
      'macd_hist',
      'bb_width',
      'bb_percent_b',
      'atr_{N}',
      'stoch_k_{N}',
      'stoch_d_{N}',
      'adx_{N}',
      'returns_{N}',
      'volatility_{N}',
      'zscore_{N}',
      'momentum_{N}',
      'hour_sin',
      'hour_cos',
      'dow_sin',
      'dow_cos',
    ]) {
      expect(patterns).toContain(p);
    }
    const atr = list.find((e) => e.pattern === 'atr_{N}');
    expect(atr).toMatchObject({
      columns: ['high', 'low', 'close'],
      warmup_bars: 'N',
      example: { name: 'atr_14', warmup_bars: 14 },
    });
    expect(atr?.parameters[0]).toMatchObject({ name: 'N', default: 14, min: 2 });
    // Plain JSON: survives a round trip unchanged (no functions, no cycles).
    expect(JSON.parse(JSON.stringify(list))).toEqual(list);
  });
});

describe('computeFeatures', () => {
  const ohlc = syntheticSeries({ bars: 300, seed: 7 });

  it('returns one column per name, aligned to the timestamps, warm-up rows null and exactly as many as the catalogue says', () => {
    const out = computeFeatures(ohlc, ALL_EXAMPLES);
    for (const name of ALL_EXAMPLES) {
      const column = out[name];
      expect(column).toHaveLength(ohlc.timestamps.length);
      const firstValue = column.findIndex((v) => v !== null);
      expect({ name, firstValue }).toEqual({ name, firstValue: parseFeature(name).warmup });
      expect(column.slice(firstValue).every((v) => v !== null && Number.isFinite(v))).toBe(true);
    }
  });

  it('gives all-null columns when the series is shorter than the warm-up', () => {
    const short = syntheticSeries({ bars: 10, seed: 1 });
    const out = computeFeatures(short, ['sma_20', 'macd', 'adx_14']);
    for (const column of Object.values(out)) expect(column).toEqual(new Array(10).fill(null));
  });

  it('raises MissingColumnError naming feature and column for OHLC features on close-only data', () => {
    const closeOnly = syntheticSeries({ bars: 50, seed: 2, closeOnly: true });
    expect(() => computeFeatures(closeOnly, ['sma_5', 'atr_14'])).toThrow(MissingColumnError);
    expect(() => computeFeatures(closeOnly, ['atr_14'])).toThrow(/feature 'atr_14' needs the 'high' column/);
    // Close-only features work on it.
    expect(computeFeatures(closeOnly, ['sma_5', 'rsi_14', 'hour_sin']).sma_5).toHaveLength(50);
  });

  it('raises MissingColumnError when a needed column has a hole', () => {
    const holed: BarSeries = { ...ohlc, low: ohlc.low!.map((v, i) => (i === 100 ? null : v)) };
    expect(() => computeFeatures(holed, ['stoch_k_14'])).toThrow(/'low' column, which has no value at index 100/);
  });

  it('rejects malformed series', () => {
    const base = syntheticSeries({ bars: 20, seed: 3, closeOnly: true });
    expect(() => computeFeatures({ ...base, close: base.close.slice(1) }, ['sma_5'])).toThrow(InvalidSeriesError);
    const unordered = [...base.timestamps];
    [unordered[4], unordered[5]] = [unordered[5], unordered[4]];
    expect(() => computeFeatures({ ...base, timestamps: unordered }, ['sma_5'])).toThrow(/strictly ascending/);
    expect(() => computeFeatures({ ...base, close: base.close.map((c, i) => (i === 3 ? NaN : c)) }, ['sma_5'])).toThrow(
      /close at index 3/,
    );
  });

  it('computes the return features from their definitions', () => {
    const close = MOVAVG_CLOSES;
    const s: BarSeries = { symbol: 'T', timeframe: '1d', timestamps: close.map((_, i) => i * 86_400_000), close };
    const out = computeFeatures(s, ['returns_3', 'momentum_3', 'volatility_4', 'zscore_5']);
    const t = 20;
    expect(out.returns_3[t]).toBeCloseTo(Math.log(close[t] / close[t - 3]), 12);
    expect(out.momentum_3[t]).toBeCloseTo(close[t] / close[t - 3] - 1, 12);
    const r = [1, 2, 3, 4].map((k) => Math.log(close[t - 4 + k] / close[t - 5 + k]));
    const mr = r.reduce((a, b) => a + b) / 4;
    expect(out.volatility_4[t]).toBeCloseTo(Math.sqrt(r.reduce((a, x) => a + (x - mr) ** 2, 0) / 4), 12);
    const w = close.slice(t - 4, t + 1);
    const m = w.reduce((a, b) => a + b) / 5;
    const sd = Math.sqrt(w.reduce((a, x) => a + (x - m) ** 2, 0) / 5);
    expect(out.zscore_5[t]).toBeCloseTo((close[t] - m) / sd, 9);
  });

  it('derives MACD from the EMAs validated in reference.spec (12/26 EMAs, 9-EMA signal, histogram)', () => {
    const out = computeFeatures(ohlc, ['macd', 'macd_signal', 'macd_hist', 'ema_12', 'ema_26']);
    for (let t = 40; t < 300; t += 37) {
      expect(out.macd[t]).toBeCloseTo((out.ema_12[t] as number) - (out.ema_26[t] as number), 12);
      expect(out.macd_hist[t]).toBeCloseTo((out.macd[t] as number) - (out.macd_signal[t] as number), 12);
    }
    // Signal seed: the mean of the first 9 MACD values.
    const first9 = out.macd.slice(25, 34) as number[];
    expect(out.macd_signal[33]).toBeCloseTo(first9.reduce((a, b) => a + b) / 9, 12);
  });

  it('encodes the UTC hour and weekday on the unit circle', () => {
    const monday1430 = Date.UTC(2024, 0, 1, 14, 30); // 2024-01-01 is a Monday
    const sunday0000 = Date.UTC(2024, 0, 7, 0, 0);
    const s: BarSeries = { symbol: 'T', timeframe: '30m', timestamps: [monday1430, sunday0000], close: [1, 1] };
    const out = computeFeatures(s, ['hour_sin', 'hour_cos', 'dow_sin', 'dow_cos']);
    expect(out.hour_sin[0]).toBeCloseTo(Math.sin((2 * Math.PI * 14.5) / 24), 12);
    expect(out.hour_cos[0]).toBeCloseTo(Math.cos((2 * Math.PI * 14.5) / 24), 12);
    expect(out.dow_sin[0]).toBeCloseTo(Math.sin((2 * Math.PI * 1) / 7), 12);
    expect([out.hour_sin[1], out.hour_cos[1], out.dow_sin[1], out.dow_cos[1]]).toEqual([0, 1, 0, 1]);
  });

  it('is causal: changing bars after t never changes any value at or before t', () => {
    const base = syntheticSeries({ bars: 120, seed: 11 });
    const names = [...CATALOGUE.map(exampleName), 'sma_5', 'atr_5', 'adx_5', 'stoch_d_5'];
    const before = computeFeatures(base, names);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 118 }), fc.integer({ min: 1, max: 1_000_000 }), (t, seed) => {
        const noisy = syntheticSeries({ bars: 120, seed, startPrice: 1.3, volatility: 0.01 });
        const cut = (a: number[], b: number[]) => [...a.slice(0, t + 1), ...b.slice(t + 1)];
        const changed: BarSeries = {
          ...base,
          open: cut(base.open as number[], noisy.open as number[]),
          high: cut(base.high as number[], noisy.high as number[]),
          low: cut(base.low as number[], noisy.low as number[]),
          close: cut(base.close, noisy.close),
        };
        const after = computeFeatures(changed, names);
        for (const name of names)
          expect({ name, head: after[name].slice(0, t + 1) }).toEqual({ name, head: before[name].slice(0, t + 1) });
      }),
      { numRuns: 60 },
    );
  });
});
