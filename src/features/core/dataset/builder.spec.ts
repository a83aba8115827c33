import fc from 'fast-check';
import { timeframeMs } from '../../../market-data/timeframes';
import { computeFeatures } from '../catalogue/compute';
import { InsufficientDataError, InvalidDatasetConfigError, MissingColumnError } from '../errors';
import { syntheticSeries } from '../testing/synthetic';
import type { BarSeries } from '../types';
import type { DatasetConfig } from './config';
import type { Dataset, DatasetPart } from './builder';
import { buildDataset } from './builder';
import type { ZScoreScaler } from './scaler';
import { windowFromColumns, windowFromRows } from './window';

const HOUR = timeframeMs('1h');
const FEATURES = ['sma_5', 'returns_1', 'rsi_3'];

function config(series: BarSeries[], over: Partial<DatasetConfig> = {}): DatasetConfig {
  return {
    series,
    features: FEATURES,
    target: 'log_return_2',
    window: 4,
    validationSplit: 0.2,
    testSplit: 0.2,
    scaler: 'zscore',
    ...over,
  };
}

/** Undo the z-score of one stored value (float32 storage: compare with a tolerance). */
function raw(ds: Dataset, part: DatasetPart, sample: number, w: number, j: number): number {
  const s = ds.scaler as ZScoreScaler;
  const v = part.windows[(sample * ds.window + w) * ds.numFeatures + j];
  return v * (s.std[j] || 1) + s.mean[j];
}

/** A random multi-symbol hourly data set with random long and short gaps. */
const arbSeries = fc
  .record({
    symbols: fc.integer({ min: 1, max: 3 }),
    bars: fc.integer({ min: 120, max: 260 }),
    seed: fc.integer({ min: 1, max: 1e6 }),
    gaps: fc.array(fc.record({ at: fc.integer({ min: 10, max: 250 }), hours: fc.constantFrom(2, 30, 24 * 40) }), {
      maxLength: 3,
    }),
    offset: fc.integer({ min: 0, max: 40 }),
  })
  .map(({ symbols, bars, seed, gaps, offset }) =>
    Array.from({ length: symbols }, (_, k) => {
      const s = syntheticSeries({
        bars,
        seed: seed + k,
        symbol: ['EUR/USD', 'GBP/USD', 'USD/JPY'][k],
        start: Date.UTC(2021, 0, 4) + k * offset * HOUR,
        closeOnly: true,
      });
      let shift = 0;
      const timestamps = s.timestamps.map((t, i) => {
        for (const g of gaps) if (g.at === i) shift += g.hours * HOUR;
        return t + shift;
      });
      return { ...s, timestamps };
    }),
  );

const arbShape = fc.record({ window: fc.integer({ min: 1, max: 8 }), horizon: fc.integer({ min: 1, max: 4 }) });

describe('buildDataset', () => {
  const eur = syntheticSeries({ bars: 400, seed: 3, closeOnly: true });

  it('produces [samples, W, F] windows, targets, timestamps and symbols per part, warm-up dropped', () => {
    const ds = buildDataset(config([eur]));
    expect(ds.numFeatures).toBe(3);
    for (const part of [ds.train, ds.validation, ds.test]) {
      expect(part.count).toBeGreaterThan(0);
      expect(part.windows).toBeInstanceOf(Float32Array);
      expect(part.windows.length).toBe(part.count * 4 * 3);
      expect(part.targets.length).toBe(part.count);
      expect(part.symbols.every((s) => s === 'EUR/USD')).toBe(true);
      expect(part.windows.every(Number.isFinite)).toBe(true);
    }
    // sma_5 warms up for 4 rows; with W = 4 the first sample is bar 7; the last has t + 2 in the data.
    expect(ds.train.timestamps[0]).toBe(eur.timestamps[7]);
    expect(ds.test.timestamps[ds.test.count - 1]).toBe(eur.timestamps[397]);
    expect(ds.stats.warmupRowsDropped).toBe(4);
    // Sample count: every candidate is in a part or purged (W + H - 1 = 5 at each of 2 boundaries).
    expect(ds.train.count + ds.validation.count + ds.test.count).toBe(398 - 7 - 10);
    expect(ds.stats.purged).toBe(10);
    // Roughly 60/20/20 of the candidates by time.
    expect(Math.abs(ds.test.count / ds.stats.candidates - 0.2)).toBeLessThan(0.03);
  });

  it('stores the raw feature rows t-W+1..t, scaled, and the target of bar t', () => {
    const ds = buildDataset(config([eur]));
    const cols = computeFeatures(eur, FEATURES);
    const target = (t: number) => Math.log(eur.close[t + 2] / eur.close[t]);
    for (const part of [ds.train, ds.test]) {
      const k = Math.floor(part.count / 2);
      const t = eur.timestamps.indexOf(part.timestamps[k]);
      expect(part.targets[k]).toBeCloseTo(target(t), 12);
      for (let w = 0; w < 4; w++) {
        FEATURES.forEach((f, j) => expect(raw(ds, part, k, w, j)).toBeCloseTo(cols[f][t - 3 + w] as number, 5));
      }
    }
  });

  it('fits the z-score scaler on exactly the rows inside training windows (population mean and sd)', () => {
    const ds = buildDataset(config([eur]));
    const s = ds.scaler as ZScoreScaler;
    const first = eur.timestamps.indexOf(ds.train.windowStart[0]);
    const last = eur.timestamps.indexOf(ds.train.timestamps[ds.train.count - 1]);
    const sma = computeFeatures(eur, ['sma_5']).sma_5.slice(first, last + 1) as number[];
    const mean = sma.reduce((a, b) => a + b) / sma.length;
    expect(s.mean[0]).toBeCloseTo(mean, 12);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(sma.reduce((a, x) => a + (x - mean) ** 2, 0) / sma.length), 12);
    // JSON round trip is lossless, so prediction reuses exactly these numbers.
    expect(JSON.parse(JSON.stringify(ds.scaler))).toEqual(ds.scaler);
  });

  it('min-max scales the training rows into [0, 1]', () => {
    const ds = buildDataset(config([eur], { scaler: 'minmax' }));
    expect(Math.min(...ds.train.windows)).toBeCloseTo(0, 6);
    expect(Math.max(...ds.train.windows)).toBeCloseTo(1, 6);
  });

  it('the prediction path rebuilds a training window bit for bit from the stored scaler', () => {
    const ds = buildDataset(config([eur]));
    const cols = computeFeatures(eur, FEATURES);
    const k = 17;
    const t = eur.timestamps.indexOf(ds.validation.timestamps[k]);
    const expected = ds.validation.windows.slice(k * 12, (k + 1) * 12);
    const stored = JSON.parse(JSON.stringify(ds.scaler));
    expect(windowFromColumns(cols, stored, 4, t)).toEqual(expected);
    const rows = [0, 1, 2, 3].map((w) => FEATURES.map((f) => cols[f][t - 3 + w]));
    expect(windowFromRows(rows, stored, 4)).toEqual(expected);
    expect(() => windowFromRows(rows.slice(1), stored, 4)).toThrow(InsufficientDataError);
    expect(() =>
      windowFromRows(
        rows.map((r) => r.slice(1)),
        stored,
        4,
      ),
    ).toThrow(/scaler has 3 features/);
    expect(() => windowFromColumns(cols, stored, 4, 5)).toThrow(/'sma_5' has no value/); // still warming up
  });

  it('gives the same fingerprint for the same data and config, another for any change', () => {
    const a = buildDataset(config([eur])).fingerprint;
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(buildDataset(config([{ ...eur, close: [...eur.close] }])).fingerprint).toBe(a);
    expect(
      buildDataset(config([{ ...eur, close: eur.close.map((c, i) => (i === 200 ? c * 1.0000001 : c)) }])).fingerprint,
    ).not.toBe(a);
    expect(buildDataset(config([eur], { window: 5 })).fingerprint).not.toBe(a);
    expect(buildDataset(config([eur], { scaler: 'minmax' })).fingerprint).not.toBe(a);
  });

  it('splits several symbols at common time cutoffs', () => {
    const gbp = syntheticSeries({ bars: 300, seed: 9, closeOnly: true, symbol: 'GBPUSD', start: eur.timestamps[100] });
    const ds = buildDataset(config([eur, gbp]));
    expect(new Set(ds.train.symbols)).toEqual(new Set(['EUR/USD', 'GBP/USD']));
    expect(new Set(ds.test.symbols)).toEqual(new Set(['EUR/USD', 'GBP/USD']));
    const vStart = ds.cutoffs.validationStart as number;
    const tStart = ds.cutoffs.testStart as number;
    expect(Math.max(...ds.train.targetEnd)).toBeLessThan(vStart);
    expect(Math.min(...ds.validation.windowStart)).toBeGreaterThanOrEqual(vStart);
    expect(Math.max(...ds.validation.targetEnd)).toBeLessThan(tStart);
    expect(Math.min(...ds.test.windowStart)).toBeGreaterThanOrEqual(tStart);
    // Chronological inside each part.
    for (const p of [ds.train, ds.validation, ds.test])
      expect([...p.timestamps].sort((x, y) => x - y)).toEqual(p.timestamps);
  });

  it('never lets a window or target cross a gap longer than the tolerance', () => {
    const ts = eur.timestamps.map((t, i) => (i >= 200 ? t + 30 * 86_400_000 : t)); // a missing month
    const ds = buildDataset(config([{ ...eur, timestamps: ts }]));
    const gapStart = ts[199];
    const gapEnd = ts[200];
    for (const p of [ds.train, ds.validation, ds.test]) {
      for (let k = 0; k < p.count; k++) expect(p.windowStart[k] > gapStart || p.targetEnd[k] < gapEnd).toBe(true);
    }
    expect(ds.stats.segments).toBe(2);
    // With a tolerance above a month, the same data is one run.
    expect(buildDataset(config([{ ...eur, timestamps: ts }], { maxGapMs: 40 * 86_400_000 })).stats.segments).toBe(1);
    // Weekends (48 h+) pass under the default tolerance.
    const weekdays = syntheticSeries({ bars: 300, seed: 4, closeOnly: true, skipWeekends: true });
    expect(buildDataset(config([weekdays])).stats.segments).toBe(1);
    // 300 weekday hours from a Monday span two weekends: a 1-bar tolerance cuts there.
    expect(buildDataset(config([weekdays], { maxGapBars: 1 })).stats.segments).toBe(3);
  });

  it('says how many bars are needed and found when there is too little data', () => {
    const short = syntheticSeries({ bars: 9, seed: 1, closeOnly: true });
    let error: unknown;
    try {
      buildDataset(config([short], { features: ['sma_20'], window: 10 }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InsufficientDataError);
    expect(error).toMatchObject({ barsNeeded: 19 + 10 + 2, barsFound: 9 });
    const forty = syntheticSeries({ bars: 40, seed: 1, closeOnly: true });
    expect(() => buildDataset(config([forty], { window: 10 }))).toThrow(/validation part is empty|test part is empty/);
  });

  it('rejects inconsistent configurations and missing columns with typed errors', () => {
    const daily = { ...eur, timeframe: '1d' as const, symbol: 'GBP/USD' };
    expect(() => buildDataset(config([eur, daily]))).toThrow(InvalidDatasetConfigError);
    expect(() => buildDataset(config([eur, { ...eur, symbol: 'eur_usd' }]))).toThrow(/EUR\/USD appears twice/);
    expect(() => buildDataset(config([eur], { validationSplit: 0.5, testSplit: 0.5 }))).toThrow(/nothing to train/);
    expect(() => buildDataset(config([eur], { window: 0 }))).toThrow(/window/);
    expect(() => buildDataset(config([eur], { maxGapMs: 1000 }))).toThrow(/at least one 1h bar/);
    expect(() => buildDataset(config([eur], { features: ['atr_14'] }))).toThrow(MissingColumnError);
    expect(() => buildDataset(config([eur], { target: 'log_return_30m' }))).toThrow(/finer than one 1h bar/);
  });
});

describe('buildDataset properties', () => {
  const build = (series: BarSeries[], window: number, horizon: number, over: Partial<DatasetConfig> = {}) => {
    try {
      return buildDataset(config(series, { window, target: `log_return_${horizon}`, ...over }));
    } catch (e) {
      if (e instanceof InsufficientDataError) return null; // too little data is a valid outcome
      throw e;
    }
  };
  const parts = (ds: Dataset) => [ds.train, ds.validation, ds.test];

  it('no sample input uses a bar later than the sample timestamp (perturbing later bars changes no earlier window)', () => {
    fc.assert(
      fc.property(
        arbSeries,
        arbShape,
        fc.double({ min: 0.1, max: 0.9, noNaN: true }),
        (series, { window, horizon }, q) => {
          const ds = build(series, window, horizon, { validationSplit: 0, testSplit: 0 });
          if (!ds) return;
          const all = ds.train.timestamps;
          const T = all[Math.floor(q * (all.length - 1))];
          const perturbed = series.map((s) => ({
            ...s,
            close: s.close.map((c, i) => (s.timestamps[i] > T ? c * (1.5 + 0.3 * Math.sin(i)) : c)),
          }));
          const dp = build(perturbed, window, horizon, { validationSplit: 0, testSplit: 0 }) as Dataset;
          // Same candidates (timestamps untouched); compare unscaled window values up to T.
          for (let k = 0; k < ds.train.count && ds.train.timestamps[k] <= T; k++) {
            expect(dp.train.timestamps[k]).toBe(ds.train.timestamps[k]);
            for (let w = 0; w < window; w++) {
              for (let j = 0; j < FEATURES.length; j++) {
                const a = raw(ds, ds.train, k, w, j);
                const b = raw(dp, dp.train, k, w, j);
                expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(a)));
              }
            }
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("no part's window or target bar lies inside another part's time range; adjacent anchors are >= W + H bars apart", () => {
    fc.assert(
      fc.property(arbSeries, arbShape, (series, { window, horizon }) => {
        const ds = build(series, window, horizon);
        if (!ds) return;
        const [tr, va, te] = parts(ds);
        const c1 = ds.cutoffs.validationStart as number;
        const c2 = ds.cutoffs.testStart as number;
        tr.targetEnd.forEach((e) => expect(e).toBeLessThan(c1));
        va.windowStart.forEach((s) => expect(s).toBeGreaterThanOrEqual(c1));
        va.targetEnd.forEach((e) => expect(e).toBeLessThan(c2));
        te.windowStart.forEach((s) => expect(s).toBeGreaterThanOrEqual(c2));
        // In bars of each symbol: the first anchor of a later part is >= W + H bars after the
        // last anchor of the earlier part.
        for (const s of series) {
          const idx = (p: DatasetPart) =>
            p.timestamps.flatMap((t, k) => (p.symbols[k] === s.symbol ? [s.timestamps.indexOf(t)] : []));
          const [a, b, c] = [idx(tr), idx(va), idx(te)];
          if (a.length && b.length) expect(Math.min(...b) - Math.max(...a)).toBeGreaterThanOrEqual(window + horizon);
          if (b.length && c.length) expect(Math.min(...c) - Math.max(...b)).toBeGreaterThanOrEqual(window + horizon);
          if (a.length && c.length) expect(Math.min(...c) - Math.max(...a)).toBeGreaterThanOrEqual(window + horizon);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('the scaler depends on training data only (perturbing validation/test bars never changes it or the train windows)', () => {
    fc.assert(
      fc.property(
        arbSeries,
        arbShape,
        fc.constantFrom<'zscore' | 'minmax'>('zscore', 'minmax'),
        (series, { window, horizon }, scaler) => {
          const ds = build(series, window, horizon, { scaler });
          if (!ds) return;
          const c1 = ds.cutoffs.validationStart as number;
          const perturbed = series.map((s) => ({
            ...s,
            close: s.close.map((c, i) => (s.timestamps[i] >= c1 ? c * (2 + Math.cos(i)) : c)),
          }));
          const dp = build(perturbed, window, horizon, { scaler }) as Dataset;
          expect(dp.scaler).toEqual(ds.scaler);
          expect(dp.train.windows).toEqual(ds.train.windows);
          expect(dp.train.targets).toEqual(ds.train.targets);
          if (ds.validation.count > 0) expect(dp.validation.windows).not.toEqual(ds.validation.windows);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('windows and targets never cross symbols or gaps longer than the tolerance', () => {
    fc.assert(
      fc.property(arbSeries, arbShape, (series, { window, horizon }) => {
        const ds = build(series, window, horizon);
        if (!ds) return;
        const tolerance = 4 * 86_400_000;
        const bySymbol = new Map(series.map((s) => [s.symbol, s.timestamps]));
        for (const p of parts(ds)) {
          for (let k = 0; k < p.count; k++) {
            const ts = bySymbol.get(p.symbols[k]) as number[];
            const from = ts.indexOf(p.windowStart[k]);
            const anchor = ts.indexOf(p.timestamps[k]);
            const to = ts.indexOf(p.targetEnd[k]);
            // All three bars belong to the sample's own symbol, W - 1 and H bars apart …
            expect([anchor - from, to - anchor]).toEqual([window - 1, horizon]);
            // … with no gap over the tolerance anywhere in the footprint.
            for (let i = from + 1; i <= to; i++) expect(ts[i] - ts[i - 1]).toBeLessThanOrEqual(tolerance);
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});
