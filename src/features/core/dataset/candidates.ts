/**
 * Step 1 of the dataset builder (builder.ts): the request checked, features and target per
 * run of bars (as-trained.ts: the serving path's runs), and the candidate samples.
 */
import type { Timeframe } from '../../../market-data/timeframes';
import { timeframeMs } from '../../../market-data/timeframes';
import { canonicalSymbol } from '../../../market-data/symbols';
import { parseFeature } from '../catalogue/catalogue';
import { InsufficientDataError, InvalidDatasetConfigError } from '../errors';
import { requireColumn, validateSeries } from '../series';
import type { TargetSpec } from '../targets/targets';
import { computeTarget, parseTarget } from '../targets/targets';
import type { BarSeries, FeatureColumn } from '../types';
import { runBars, runFeatures, trainingRuns } from './as-trained';
import type { DatasetConfig } from './config';
import { DEFAULT_MAX_GAP_MS } from './config';
import { horizonGapFlags } from './horizon-gaps';
import { addStoreCounts, alignStoreFrame, emptyStoreCounts, type FeatureStoreCounts } from './store-features';
import { toRowMatrix } from './window';

export interface Segment {
  symbol: string;
  timestamps: number[];
  data: Float64Array;
  target: (number | null)[];
}

function fail(field: string, reason: string): never {
  throw new InvalidDatasetConfigError(field, reason);
}

function checkConfig(config: DatasetConfig): { tf: Timeframe; maxGapMs: number } {
  const { series, features, window, validationSplit: val, testSplit: test } = config;
  if (!Array.isArray(series) || series.length === 0) fail('series', 'give at least one bar series');
  const tf = series[0].timeframe;
  for (const s of series) {
    if (s.timeframe !== tf)
      fail(
        'series',
        `all series must share one timeframe; ${series[0].symbol} is ${tf}, ${s.symbol} is ${s.timeframe}`,
      );
  }
  if (!Array.isArray(features) || features.length === 0) fail('features', 'name at least one feature');
  const dup = features.find((f, i) => features.indexOf(f) !== i);
  if (dup !== undefined) fail('features', `'${dup}' is listed twice`);
  if (!Number.isInteger(window) || window < 1) fail('window', `must be a whole number of bars >= 1, got ${window}`);
  for (const [field, v] of [
    ['validationSplit', val],
    ['testSplit', test],
  ] as const) {
    if (!(typeof v === 'number' && v >= 0 && v < 1)) fail(field, `must be a fraction in [0, 1), got ${v}`);
  }
  if (val + test >= 1) fail('validationSplit', `validation (${val}) + test (${test}) leave nothing to train on`);
  if (config.scaler !== 'zscore' && config.scaler !== 'minmax')
    fail('scaler', `must be 'zscore' or 'minmax', got '${String(config.scaler)}'`);
  if (config.horizonGaps !== undefined && config.horizonGaps !== 'keep' && config.horizonGaps !== 'drop')
    fail('horizonGaps', `must be 'keep' or 'drop', got '${String(config.horizonGaps)}'`);
  if (config.maxGapBars !== undefined && config.maxGapMs !== undefined)
    fail('maxGapBars', 'give maxGapBars or maxGapMs, not both');
  const bar = timeframeMs(tf);
  let maxGapMs = DEFAULT_MAX_GAP_MS;
  if (config.maxGapBars !== undefined) {
    if (!(config.maxGapBars >= 1) || !Number.isFinite(config.maxGapBars))
      fail('maxGapBars', `must be >= 1 bar, got ${config.maxGapBars}`);
    maxGapMs = config.maxGapBars * bar;
  } else if (config.maxGapMs !== undefined) {
    if (!(config.maxGapMs >= bar) || !Number.isFinite(config.maxGapMs))
      fail('maxGapMs', `must be at least one ${tf} bar (${bar} ms), got ${config.maxGapMs}`);
    maxGapMs = config.maxGapMs;
  }
  return { tf, maxGapMs: Math.max(maxGapMs, bar) };
}

/** Canonical symbol (EUR/USD) where it is a pair, else as given; duplicates are an error. */
function normaliseSeries(series: readonly BarSeries[]): BarSeries[] {
  const seen = new Set<string>();
  const out = series.map((s) => {
    const symbol = canonicalSymbol(s.symbol) ?? s.symbol;
    if (seen.has(symbol)) fail('series', `symbol ${symbol} appears twice`);
    seen.add(symbol);
    return { ...s, symbol };
  });
  // Sorted so that the same data in another order gives the same dataset and fingerprint.
  return out.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
}

export interface Candidates {
  series: BarSeries[];
  names: string[];
  target: TargetSpec;
  W: number;
  H: number;
  F: number;
  maxGapMs: number;
  tf: Timeframe;
  segments: Segment[];
  cSeg: number[];
  cRow: number[];
  /** Per candidate: 1 where its horizon spans a gap (kept under the `keep` policy). */
  cGap: Uint8Array;
  /** Candidates left out by the `drop` policy. */
  gapDropped: number;
  bars: number;
  warmupRowsDropped: number;
  /** Row of the first possible anchor on a gap-free run (for the insufficient-data messages). */
  firstAnchor: number;
  /** With store features: how the store's rows met the bars, and the aligned columns (for the fingerprint). */
  store?: { counts: FeatureStoreCounts; aligned: { symbol: string; columns: Record<string, FeatureColumn> }[] };
}

/** Step 1: features and target per gap-free run, and the candidate samples. */
export function candidates(config: DatasetConfig, mode: 'build' | 'plan'): Candidates {
  const { tf, maxGapMs } = checkConfig(config);
  const series = normaliseSeries(config.series);
  const names = config.features;
  const specs = names.map(parseFeature);
  const target = parseTarget(config.target, tf, config.targetOptions);
  const W = config.window;
  const H = target.horizonBars;
  const F = names.length;
  const maxWarmup = Math.max(...specs.map((s) => s.warmup));

  // Candidate samples where the whole window has every feature and the target exists
  // (warm-up rows and the last H bars drop out).
  const segments: Segment[] = [];
  const cSeg: number[] = [];
  const cRow: number[] = [];
  const gapFlags: number[] = [];
  const drop = config.horizonGaps === 'drop';
  let gapDropped = 0;
  let bars = 0;
  let warmupRowsDropped = 0;
  let longestRun = 0;
  const store = config.storeFeatures
    ? { counts: emptyStoreCounts(), aligned: [] as { symbol: string; columns: Record<string, FeatureColumn> }[] }
    : undefined;
  for (const s of series) {
    validateSeries(s);
    // The store computes its features from its own bars: these bars need only what the target reads.
    if (!store) for (const spec of specs) for (const column of spec.columns) requireColumn(s, column, spec.name);
    bars += s.timestamps.length;
    const fromStore = store ? storeColumns(config, s, names, store) : null;
    // The bars arrive cut to the training range; the runs and their features are the serving path's (as-trained.ts).
    for (const run of trainingRuns(s.timestamps, { start: null, maxGapMs })) {
      const n = run.end - run.start;
      longestRun = Math.max(longestRun, n);
      const computed = mode === 'build' && !fromStore ? runFeatures(s, run, names) : null;
      const sub = computed ? computed.bars : runBars(s, run);
      // Store values are already there (no computing): the plan checks them as the build does.
      const data = fromStore
        ? toRowMatrix(fromStore, names, run.start, run.end)
        : computed
          ? toRowMatrix(computed.columns, names)
          : null;
      const y = computeTarget(sub, target);
      const gaps = horizonGapFlags(sub.timestamps, H, tf);
      const segIndex = segments.length;
      segments.push({ symbol: s.symbol, timestamps: sub.timestamps, data: data ?? new Float64Array(0), target: y });
      let complete = 0; // consecutive rows, ending here, with every feature present
      let seenComplete = false;
      for (let r = 0; r < n; r++) {
        let ok = r >= maxWarmup;
        if (data) {
          ok = true;
          for (let j = 0; j < F; j++) if (Number.isNaN(data[r * F + j])) ok = false;
        }
        complete = ok ? complete + 1 : 0;
        if (ok) seenComplete = true;
        else if (!seenComplete) warmupRowsDropped++;
        if (complete >= W && y[r] !== null) {
          if (drop && gaps[r]) {
            gapDropped++;
            continue;
          }
          cSeg.push(segIndex);
          cRow.push(r);
          gapFlags.push(gaps[r]);
        }
      }
    }
  }

  const firstAnchor = Math.max(maxWarmup + W - 1, target.lookbackBars);
  if (cSeg.length === 0) {
    throw new InsufficientDataError(
      firstAnchor + H + 1,
      longestRun,
      `no complete sample: one needs ${maxWarmup} warm-up bars + a window of ${W} + a horizon of ${H}` +
        (target.lookbackBars ? ` (and ${target.lookbackBars} look-back bars for the target)` : '') +
        ` inside one run free of gaps over ${maxGapMs / 3_600_000} h (bars found = the longest such run)` +
        (store ? storeShortfall(store.counts, W) : ''),
    );
  }
  const cGap = Uint8Array.from(gapFlags);
  return {
    ...{ series, names, target, W, H, F, maxGapMs, tf, segments, cSeg, cRow, cGap, gapDropped },
    ...{ bars, warmupRowsDropped, firstAnchor },
    ...(store ? { store } : {}),
  };
}

/** Why store features gave no sample: its rows as they met the bars. */
function storeShortfall(c: FeatureStoreCounts, W: number): string {
  return `; the feature store returned ${c.storeRows} rows: ${c.matchedBars} stored bars have every feature, ${c.missingBars} have no store row, ${c.nullBars} a null value, and a sample needs ${W} such bars in a row`;
}

/** One series' store columns aligned to its bars (store-features.ts); a symbol the store was not asked for is a wiring bug. */
function storeColumns(
  config: DatasetConfig,
  s: BarSeries,
  names: readonly string[],
  store: NonNullable<Candidates['store']>,
): Record<string, FeatureColumn> {
  const frame = config.storeFeatures![s.symbol];
  if (!frame) fail('storeFeatures', `no feature-store values for ${s.symbol}`);
  const { columns, counts } = alignStoreFrame(s.timestamps, frame, names);
  addStoreCounts(store.counts, counts);
  store.aligned.push({ symbol: s.symbol, columns });
  return columns;
}
