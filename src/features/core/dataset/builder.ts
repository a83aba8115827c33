/**
 * The dataset builder every trainer uses: bars -> features/target -> windows -> a
 * chronological train / validation / test split with purge gaps -> scaler fitted on train.
 *
 * Split rule (precise). Let a sample be (symbol, bar t) with input window bars t-W+1 .. t
 * and target bars t .. t+H (plus, for regime, a trailing look-back that is <= t like any
 * feature). Its footprint is the time interval [time(t-W+1), time(t+H)]. Two time cutoffs
 * c1 <= c2 are common to all symbols, taken from the sorted anchor times time(t) of all
 * candidate samples at the (1 - val - test) and (1 - test) quantiles. Then
 *   train      : time(t+H)   <  c1                 (the whole footprint before c1)
 *   validation : time(t-W+1) >= c1 and time(t+H) < c2
 *   test       : time(t-W+1) >= c2
 * and every other candidate is purged. So the parts' footprints lie in disjoint time
 * ranges (-inf, c1), [c1, c2), [c2, +inf): no window or target of a later part touches a
 * bar of an earlier part's range, and on a gap-free series consecutive anchors of adjacent
 * parts are at least W + H bars apart (W + H - 1 anchors purged at each boundary).
 */
import type { Timeframe } from '../../../market-data/timeframes';
import { InsufficientDataError, InvalidDatasetConfigError } from '../errors';
import type { TargetSpec } from '../targets/targets';
import { candidates, type Candidates } from './candidates';
import type { DatasetConfig } from './config';
import { datasetFingerprint } from './fingerprint';
import type { HorizonGapPolicy } from './horizon-gaps';
import type { Scaler } from './scaler';
import { storeValuesDigest, type FeatureStoreCounts } from './store-features';
import { fitScaler, scalerCoefficients } from './scaler';
import { writeScaledWindow } from './window';
import { foldParts, foldsOver, type FoldPlan } from './walk-forward';

/** One chronological part. Sample i is windows[i*W*F .. (i+1)*W*F), oldest bar first. */
export interface DatasetPart {
  count: number;
  /** Shape [count, W, F], scaled with the training scaler. */
  windows: Float32Array;
  /** Target per sample (class index for classification targets). */
  targets: Float64Array;
  /** The sample's own bar (the window's last bar), ms UTC. */
  timestamps: number[];
  symbols: string[];
  /** First bar of the window and the bar t+H the target reads, ms UTC (the footprint). */
  windowStart: number[];
  targetEnd: number[];
}

export interface Dataset {
  features: string[];
  window: number;
  numFeatures: number;
  timeframe: Timeframe;
  target: TargetSpec;
  /** W + H: the minimum anchor distance between adjacent parts on a gap-free series. */
  purgeBars: number;
  /** The gap rule in force: bars further apart start a new run (features restart, no window crosses it). */
  maxGapMs: number;
  /** Start of the validation and test time ranges (null when that part is not asked for). */
  cutoffs: { validationStart: number | null; testStart: number | null };
  train: DatasetPart;
  validation: DatasetPart;
  test: DatasetPart;
  scaler: Scaler;
  fingerprint: string;
  stats: {
    bars: number;
    segments: number;
    candidates: number;
    purged: number;
    /** Rows at the start of each gap-free run where some feature was still warming up. */
    warmupRowsDropped: number;
    /** Samples whose horizon spans a gap (horizon-gaps.ts): kept or dropped, and how many of each part. */
    horizonGaps: HorizonGapCounts;
    /** With store features (store-features.ts): how the store's rows met the bars. */
    featureStore?: FeatureStoreCounts;
  };
}

export interface HorizonGapCounts {
  policy: HorizonGapPolicy;
  /** Complete samples whose horizon spans a gap (with `drop`: the ones left out). */
  samples: number;
  /** With `keep`: how many of them each part holds (0 with `drop`). */
  train: number;
  validation: number;
  test: number;
}

function emptyPart(): DatasetPart {
  return {
    count: 0,
    windows: new Float32Array(0),
    targets: new Float64Array(0),
    timestamps: [],
    symbols: [],
    windowStart: [],
    targetEnd: [],
  };
}

/** What a dataset would hold, without computing it: the sample count of each part. */
export interface DatasetPlan {
  train: number;
  validation: number;
  test: number;
  candidates: number;
  bars: number;
  /** With `walkForward` (and no fold named): each fold's part sizes and spans. */
  folds?: FoldPlan[];
}

/**
 * The part sizes `buildDataset` would produce, from the timestamps alone: a feature is taken
 * to have a value from its warm-up on (the catalogue's rule on a gap-free run), so no feature
 * is computed and no window written. Validation (series, columns, target, splits) and the
 * insufficient-data errors are the same code as the build's. The build can only find fewer
 * samples, where an indicator is undefined mid-series (never on prices that move).
 */
export function planDataset(config: DatasetConfig): DatasetPlan {
  const c = candidates(config, 'plan');
  if (config.walkForward && config.walkForward.fold === undefined) {
    // The walk-forward plan: every fold's sizes, and the final model's (the whole range, no test).
    const { times, folds } = foldsOf(config, c);
    const final = split({ ...config, testSplit: 0 }, c).parts;
    const plans = folds.map((f): FoldPlan => {
      const { parts } = foldParts(sampleView(c), times, f, config.validationSplit);
      return {
        fold: f.fold,
        train: parts[0].length,
        validation: parts[1].length,
        test: parts[2].length,
        train_start: times[f.trainStart],
        train_end: times[f.trainEnd - 1],
        test_start: times[f.testStart],
        test_end: times[f.testEnd - 1],
      };
    });
    return {
      train: final[0].length,
      validation: final[1].length,
      test: 0,
      candidates: c.cSeg.length,
      bars: c.bars,
      folds: plans,
    };
  }
  const { parts } = split(config, c);
  return {
    train: parts[0].length,
    validation: parts[1].length,
    test: parts[2].length,
    candidates: c.cSeg.length,
    bars: c.bars,
  };
}

function sampleView(c: Candidates) {
  const { segments, cSeg, cRow, W, H } = c;
  return {
    count: cSeg.length,
    anchorTime: (i: number) => segments[cSeg[i]].timestamps[cRow[i]],
    startTime: (i: number) => segments[cSeg[i]].timestamps[cRow[i] - W + 1],
    endTime: (i: number) => segments[cSeg[i]].timestamps[cRow[i] + H],
  };
}

function foldsOf(config: DatasetConfig, c: Candidates) {
  return foldsOver(sampleView(c), config.walkForward!, c.W, c.H);
}

/** Step 2: common time cutoffs from the anchor-time quantiles across all symbols; the parts. */
function split(config: DatasetConfig, c: Candidates): { parts: number[][]; c1: number; c2: number; purged?: number } {
  if (config.walkForward?.fold !== undefined) return splitFold(config, c);
  const { segments, cSeg, cRow, W, H, bars, firstAnchor } = c;
  const nC = cSeg.length;
  const anchorTime = (i: number) => segments[cSeg[i]].timestamps[cRow[i]];
  const startTime = (i: number) => segments[cSeg[i]].timestamps[cRow[i] - W + 1];
  const endTime = (i: number) => segments[cSeg[i]].timestamps[cRow[i] + H];
  const sorted = Float64Array.from({ length: nC }, (_, i) => anchorTime(i)).sort();
  const val = config.validationSplit;
  const test = config.testSplit;
  const at = (q: number) => sorted[Math.min(nC - 1, Math.floor(nC * q))];
  const c2 = test > 0 ? at(1 - test) : Infinity;
  const c1 = val > 0 ? at(1 - test - val) : c2;

  const parts: number[][] = [[], [], []];
  for (let i = 0; i < nC; i++) {
    const start = startTime(i);
    const end = endTime(i);
    if (end < c1) parts[0].push(i);
    else if (start >= c1 && end < c2) parts[1].push(i);
    else if (start >= c2) parts[2].push(i);
  }
  const wanted = [true, val > 0, test > 0];
  const labels = ['training', 'validation', 'test'];
  parts.forEach((p, k) => {
    if (wanted[k] && p.length === 0) {
      const fractions = [1 - val - test, val, test].filter((f) => f > 0);
      const perPart = Math.ceil((W + H) / Math.min(...fractions));
      throw new InsufficientDataError(
        firstAnchor + H + perPart + (fractions.length - 1) * (W + H),
        bars,
        `the ${labels[k]} part is empty after the chronological split and the purge of ${W + H} bars between parts (${nC} candidate samples)`,
      );
    }
  });
  return { parts, c1, c2 };
}

/** Walk-forward: the parts of the one fold `config.walkForward.fold` (1-based). */
function splitFold(
  config: DatasetConfig,
  c: Candidates,
): { parts: number[][]; c1: number; c2: number; purged: number } {
  const { times, folds } = foldsOf(config, c);
  const fold = folds.find((f) => f.fold === config.walkForward!.fold);
  if (!fold)
    throw new InvalidDatasetConfigError(
      'evaluation.folds',
      `there is no fold ${config.walkForward!.fold} of ${folds.length}`,
    );
  const { parts, c1, c2, inRange } = foldParts(sampleView(c), times, fold, config.validationSplit);
  ['training', 'validation', 'test'].forEach((label, k) => {
    if (parts[k].length === 0)
      throw new InsufficientDataError(
        c.W + c.H + 2,
        fold.trainEnd - fold.trainStart,
        `fold ${fold.fold}'s ${label} part is empty`,
      );
  });
  return { parts, c1, c2, purged: inRange - parts[0].length - parts[1].length - parts[2].length };
}

export interface BuildOptions {
  /**
   * Allocate the window tensors in SharedArrayBuffers. A dataset built on a compute thread then
   * reaches the main thread and the training thread without a copy: the windows are the one
   * large thing (samples × W × F floats), and copying them is a stall of the thread that copies.
   */
  sharedWindows?: boolean;
}

export function buildDataset(config: DatasetConfig, options: BuildOptions = {}): Dataset {
  const c = candidates(config, 'build');
  const { series, names, target, W, H, F, maxGapMs, tf, segments, cSeg, cRow, bars, warmupRowsDropped } = c;
  const nC = cSeg.length;
  const val = config.validationSplit;
  const test = config.testSplit;
  const { parts, c1, c2, purged } = split(config, c);
  const fold = config.walkForward?.fold !== undefined;
  const anchorTime = (i: number) => segments[cSeg[i]].timestamps[cRow[i]];

  // Chronological order inside a part, symbol as tie-break (deterministic).
  const order = (a: number, b: number) =>
    anchorTime(a) - anchorTime(b) || (segments[cSeg[a]].symbol < segments[cSeg[b]].symbol ? -1 : 1);
  for (const p of parts) p.sort(order);

  // 3. Scaler from the rows inside training windows only.
  const use = segments.map((s) => new Uint8Array(s.timestamps.length));
  for (const i of parts[0]) use[cSeg[i]].fill(1, cRow[i] - W + 1, cRow[i] + 1);
  const scaler = fitScaler(
    config.scaler,
    names,
    segments.map((s, k) => ({ data: s.data, use: use[k] })),
  );
  const coef = scalerCoefficients(scaler);

  // 4. Windows, through the same writer the prediction path uses.
  const materialise = (idx: number[]): DatasetPart => {
    if (idx.length === 0) return emptyPart();
    const part: DatasetPart = {
      count: idx.length,
      windows: options.sharedWindows
        ? new Float32Array(new SharedArrayBuffer(idx.length * W * F * 4))
        : new Float32Array(idx.length * W * F),
      targets: new Float64Array(idx.length),
      timestamps: new Array<number>(idx.length),
      symbols: new Array<string>(idx.length),
      windowStart: new Array<number>(idx.length),
      targetEnd: new Array<number>(idx.length),
    };
    idx.forEach((i, k) => {
      const seg = segments[cSeg[i]];
      const r = cRow[i];
      writeScaledWindow(seg.data, F, r, W, coef, part.windows, k * W * F);
      part.targets[k] = seg.target[r] as number;
      part.timestamps[k] = seg.timestamps[r];
      part.symbols[k] = seg.symbol;
      part.windowStart[k] = seg.timestamps[r - W + 1];
      part.targetEnd[k] = seg.timestamps[r + H];
    });
    return part;
  };

  const drop = config.horizonGaps === 'drop';
  const gapsIn = (idx: number[]) => (drop ? 0 : idx.reduce((k, i) => k + c.cGap[i], 0));
  const horizonGaps: HorizonGapCounts = {
    policy: drop ? 'drop' : 'keep',
    samples: drop ? c.gapDropped : c.cGap.reduce((k, g) => k + g, 0),
    train: gapsIn(parts[0]),
    validation: gapsIn(parts[1]),
    test: gapsIn(parts[2]),
  };

  const fingerprint = datasetFingerprint(series, {
    features: names,
    target: target.name,
    targetOptions: target.options,
    window: W,
    validationSplit: val,
    testSplit: test,
    scaler: config.scaler,
    maxGapMs,
    // Only when it changes the samples, so that every earlier fingerprint stays what it was.
    ...(drop ? { horizonGaps: 'drop' } : {}),
    // The bars do not say what the store answered: its source and its values enter too (local: unchanged).
    ...(c.store ? { featureSource: 'feature_store', storeValues: storeValuesDigest(c.store.aligned, names) } : {}),
  });

  return {
    features: [...names],
    window: W,
    numFeatures: F,
    timeframe: tf,
    target,
    purgeBars: W + H,
    maxGapMs,
    cutoffs: { validationStart: val > 0 ? c1 : null, testStart: fold || test > 0 ? c2 : null },
    train: materialise(parts[0]),
    validation: materialise(parts[1]),
    test: materialise(parts[2]),
    scaler,
    fingerprint,
    stats: {
      bars,
      segments: segments.length,
      candidates: nC,
      purged: purged ?? nC - parts[0].length - parts[1].length - parts[2].length,
      warmupRowsDropped,
      horizonGaps,
      ...(c.store ? { featureStore: { ...c.store.counts } } : {}),
    },
  };
}
