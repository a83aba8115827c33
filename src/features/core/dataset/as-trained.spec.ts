import { CATALOGUE, exampleName } from '../catalogue/catalogue';
import { computeFeatures } from '../catalogue/compute';
import { sliceSeries } from '../series';
import { syntheticSeries } from '../testing/synthetic';
import type { BarSeries } from '../types';
import { columnsAsTrained, dataRulesFromRecord, latestRunAsTrained, trainingRuns, type DataRules } from './as-trained';
import { buildDataset, type Dataset, type DatasetPart } from './builder';
import { DEFAULT_MAX_GAP_MS } from './config';
import { windowFromColumns } from './window';

const DAY = 86_400_000;
/** Every catalogue feature, at its default parameters. */
const ALL = CATALOGUE.map(exampleName);
const W = 5;

/** Daily OHLCV bars, every calendar day, with a 9-day hole at `gapAt` and another at `gapAt2`. */
function storedBars(bars: number, gapAt: number, gapAt2: number): BarSeries {
  const s = syntheticSeries({ timeframe: '1d', bars, seed: 11, volatility: 0.004 });
  let shift = 0;
  const timestamps = s.timestamps.map((t, i) => {
    if (i === gapAt || i === gapAt2) shift += 9 * DAY;
    return t + shift;
  });
  return { ...s, timestamps };
}

/** The bars a training from `start` reads: the stored ones from start on (the database query's `>= start`). */
function fromStart(s: BarSeries, start: number): BarSeries {
  const first = s.timestamps.findIndex((t) => t >= start);
  return sliceSeries(s, first, s.timestamps.length);
}

function train(stored: BarSeries, start: number, features = ALL): Dataset {
  return buildDataset({
    series: [fromStart(stored, start)],
    features,
    target: 'price_change_1d',
    window: W,
    validationSplit: 0.2,
    testSplit: 0.25,
    scaler: 'zscore',
  });
}

const windowOf = (part: DatasetPart, k: number, size: number) => part.windows.subarray(k * size, (k + 1) * size);
const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** What serving builds at bar `t` with the stored bars up to it: the new path and the one before it. */
function served(stored: BarSeries, t: number, ds: Dataset, rules: DataRules) {
  const upTo = sliceSeries(stored, 0, stored.timestamps.indexOf(t) + 1);
  const latest = latestRunAsTrained(upTo, ds.features, rules)!;
  const asTrained = windowFromColumns(latest.columns, ds.scaler, W);
  let before: Float32Array | null;
  try {
    before = windowFromColumns(computeFeatures(upTo, ds.features), ds.scaler, W);
  } catch {
    before = null; // warm-up nulls straight across the gap: not servable before either
  }
  return { asTrained, before };
}

describe('one feature path for training and serving (as-trained.ts)', () => {
  const stored = storedBars(520, 330, 440);
  const start = stored.timestamps[90]; // a late start_date: 90 stored bars before it are never used
  const rules: DataRules = { start, maxGapMs: DEFAULT_MAX_GAP_MS };

  it('the window served from stored bars equals the evaluated one bit for bit, for every test window, over every catalogue feature, with gaps and a late start', () => {
    const ds = train(stored, start);
    expect(ds.stats.segments).toBe(3);
    expect(ds.test.count).toBeGreaterThan(50);
    // The second gap lies inside the test part, so some test windows follow it closely.
    expect(ds.test.timestamps.some((t) => t > stored.timestamps[440] && t < stored.timestamps[440] + 60 * DAY)).toBe(
      true,
    );
    const size = W * ds.numFeatures;
    let differedBefore = 0;
    for (let k = 0; k < ds.test.count; k++) {
      const { asTrained, before } = served(stored, ds.test.timestamps[k], ds, rules);
      const evaluated = windowOf(ds.test, k, size);
      expect(bytes(asTrained).equals(bytes(evaluated))).toBe(true);
      if (before === null || !bytes(before).equals(bytes(evaluated))) differedBefore++;
    }
    // The old path (every stored bar, straight across gaps) gave many of them other inputs.
    expect(differedBefore).toBeGreaterThan(ds.test.count / 4);
  });

  it('and for the training and validation windows too (every 7th)', () => {
    const ds = train(stored, start);
    const size = W * ds.numFeatures;
    for (const part of [ds.train, ds.validation]) {
      for (let k = 0; k < part.count; k += 7) {
        const { asTrained } = served(stored, part.timestamps[k], ds, rules);
        expect(bytes(asTrained).equals(bytes(windowOf(part, k, size)))).toBe(true);
      }
    }
  });

  it('each feature alone: served columns equal the dataset rows (per feature, so a failure names it)', () => {
    for (const name of ALL) {
      const ds = train(stored, start, [name]);
      const last = ds.test.count - 1;
      for (const k of [0, Math.floor(last / 2), last]) {
        const { asTrained } = served(stored, ds.test.timestamps[k], ds, rules);
        expect({ name, equal: bytes(asTrained).equals(bytes(windowOf(ds.test, k, W))) }).toEqual({ name, equal: true });
      }
    }
  });

  it('columnsAsTrained restarts at each gap and leaves the bars before the start empty', () => {
    const cols = columnsAsTrained(stored, ['sma_20'], rules);
    const sma = cols.sma_20;
    expect(sma.slice(0, 90 + 19).every((v) => v === null)).toBe(true);
    expect(sma[90 + 19]).not.toBeNull();
    // Restarted after the gap before bar 330: 19 warm-up bars again.
    expect(sma.slice(330, 330 + 19).every((v) => v === null)).toBe(true);
    expect(sma[330 + 19]).toBeCloseTo(stored.close.slice(330, 350).reduce((a, b) => a + b, 0) / 20, 12);
    expect(trainingRuns(stored.timestamps, rules)).toEqual([
      { start: 90, end: 330 },
      { start: 330, end: 440 },
      { start: 440, end: 520 },
    ]);
  });

  it('a version without recorded rules keeps the old behaviour: every stored bar, no restart', () => {
    const old = dataRulesFromRecord(undefined);
    expect(old).toEqual({ start: null, maxGapMs: null });
    expect(trainingRuns(stored.timestamps, old)).toEqual([{ start: 0, end: 520 }]);
    expect(columnsAsTrained(stored, ['ema_10'], old)).toEqual(computeFeatures(stored, ['ema_10']));
    expect(
      dataRulesFromRecord({
        start: new Date(start).toISOString(),
        max_gap_ms: DEFAULT_MAX_GAP_MS,
        horizon_gaps: 'keep',
      }),
    ).toEqual(rules);
    expect(dataRulesFromRecord({ start: 'not a date', max_gap_ms: -1 })).toEqual({ start: null, maxGapMs: null });
  });

  it('a window that would cross a gap is not served, as training has no such window', () => {
    // Three bars after the second gap: the run since the gap is shorter than a window.
    const upTo = sliceSeries(stored, 0, 443);
    const latest = latestRunAsTrained(upTo, ['returns_1'], rules)!;
    expect(latest.run).toEqual({ start: 440, end: 443 });
    expect(latest.runs).toBe(3);
  });
});
