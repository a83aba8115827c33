import { timeframeMs } from '../../../market-data/timeframes';
import { computeFeatures } from '../catalogue/compute';
import { InsufficientDataError } from '../errors';
import { syntheticSeries } from '../testing/synthetic';
import type { BarSeries } from '../types';
import { buildDataset, planDataset } from './builder';
import type { DatasetConfig } from './config';
import { alignStoreFrame, type StoreFrame } from './store-features';

const HOUR = timeframeMs('1h');
const FEATURES = ['sma_5', 'rsi_3'];

function series(): BarSeries {
  return syntheticSeries({ bars: 300, seed: 7, symbol: 'EUR/USD', start: Date.UTC(2021, 0, 4), closeOnly: true });
}

function config(s: BarSeries, over: Partial<DatasetConfig> = {}): DatasetConfig {
  return {
    series: [s],
    features: FEATURES,
    target: 'log_return_1',
    window: 4,
    validationSplit: 0.2,
    testSplit: 0.2,
    scaler: 'zscore',
    ...over,
  };
}

/** What a store computing the same catalogue features would answer: one row per bar. */
function storeOf(s: BarSeries): StoreFrame {
  return { timestamps: [...s.timestamps], values: computeFeatures(s, FEATURES) };
}

describe('store features in the dataset builder', () => {
  it('aligns on the bars: missing rows, nulls and rows at no bar are counted, never filled', () => {
    const ts = [0, 1, 2, 3, 4].map((i) => i * HOUR);
    const frame: StoreFrame = {
      timestamps: [0, 2 * HOUR, 2.5 * HOUR, 3 * HOUR, 4 * HOUR],
      values: { a: [1, 2, 9, null, 5] },
    };
    const { columns, counts } = alignStoreFrame(ts, frame, ['a']);
    expect(columns.a).toEqual([1, null, 2, null, 5]);
    expect(counts).toEqual({ storeRows: 5, matchedBars: 3, missingBars: 1, nullBars: 1, unmatchedRows: 1 });
  });

  it('store values equal to the local computation give the same samples, and another fingerprint', () => {
    const s = series();
    const local = buildDataset(config(s));
    const store = buildDataset(config(s, { storeFeatures: { 'EUR/USD': storeOf(s) } }));
    expect(store.train.count).toBe(local.train.count);
    expect(store.test.count).toBe(local.test.count);
    expect(Array.from(store.train.windows)).toEqual(Array.from(local.train.windows));
    expect(store.fingerprint).not.toBe(local.fingerprint);
    expect(store.stats.featureStore).toEqual({
      storeRows: 300,
      matchedBars: 300 - local.stats.warmupRowsDropped,
      missingBars: 0,
      nullBars: local.stats.warmupRowsDropped,
      unmatchedRows: 0,
    });
    expect(local.stats.featureStore).toBeUndefined();
  });

  it('drives the inputs: other store values change the windows and the fingerprint', () => {
    const s = series();
    const frame = storeOf(s);
    const shifted: StoreFrame = {
      timestamps: frame.timestamps,
      values: { ...frame.values, sma_5: frame.values.sma_5.map((v) => (v === null ? null : v + 1)) },
    };
    const a = buildDataset(config(s, { storeFeatures: { 'EUR/USD': frame } }));
    const b = buildDataset(config(s, { storeFeatures: { 'EUR/USD': shifted } }));
    expect(b.fingerprint).not.toBe(a.fingerprint);
    // z-scored with a scaler fitted on the shifted training rows: the scaler moves, the targets do not.
    expect((b.scaler as { mean: number[] }).mean[0]).toBeCloseTo((a.scaler as { mean: number[] }).mean[0] + 1, 9);
    expect(Array.from(b.train.targets)).toEqual(Array.from(a.train.targets));
  });

  it('a bar the store lacks removes every window over it; the plan counts as the build does', () => {
    const s = series();
    const frame = storeOf(s);
    const hole = 150;
    const cut: StoreFrame = {
      timestamps: frame.timestamps.filter((_, i) => i !== hole),
      values: Object.fromEntries(Object.entries(frame.values).map(([k, v]) => [k, v.filter((_, i) => i !== hole)])),
    };
    const full = buildDataset(config(s, { storeFeatures: { 'EUR/USD': frame } }));
    const holed = buildDataset(config(s, { storeFeatures: { 'EUR/USD': cut } }));
    expect(holed.stats.featureStore!.missingBars).toBe(1);
    // The 4 windows that contain bar 150 are gone (W = 4).
    expect(holed.stats.candidates).toBe(full.stats.candidates - 4);
    const plan = planDataset(config(s, { storeFeatures: { 'EUR/USD': cut } }));
    expect(plan.train + plan.validation + plan.test).toBe(
      holed.train.count + holed.validation.count + holed.test.count,
    );
    for (const part of [holed.train, holed.validation, holed.test])
      for (let i = 0; i < part.count; i++)
        expect(part.windowStart[i] > s.timestamps[hole] || part.timestamps[i] < s.timestamps[hole]).toBe(true);
  });

  it('a store without usable rows is an insufficient-data error that says what the store returned', () => {
    const s = series();
    const empty: StoreFrame = { timestamps: [], values: { sma_5: [], rsi_3: [] } };
    expect(() => buildDataset(config(s, { storeFeatures: { 'EUR/USD': empty } }))).toThrow(InsufficientDataError);
    expect(() => buildDataset(config(s, { storeFeatures: { 'EUR/USD': empty } }))).toThrow(
      /feature store returned 0 rows: 0 stored bars have every feature, 300 have no store row/,
    );
  });
});
