/**
 * Walk-forward folds: where each fold's training window and out-of-sample (test) block lie,
 * and which candidate samples fall in each part of a fold.
 *
 * Everything counts distinct anchor times ("bars": the sample times that exist in the data,
 * across symbols; a weekend with no bars is no bar). With n such times A[0..n), N folds and a
 * step of s bars, fold k (0-based) tests the block of anchors [ts_k, te_k) where
 *   ts_k = n − (N − k)·s,  te_k = ts_k + s          (the last N·s bars, in N adjacent blocks)
 * (a step given as a duration d cuts the blocks in time instead: ts_k is the first anchor at or
 * after A[n−1] + 1 ms − (N − k)·d). Default s = floor(n / (N + 1)), scikit-learn's
 * TimeSeriesSplit rule. Its training window ends `purge` bars before the block:
 *   te_train_k = ts_k − purge
 *   expanding: [0, te_train_k)      rolling: [te_train_k − L, te_train_k)
 * with L = `trainBars`, by default the first fold's length ts_0 − purge (every rolling fold then
 * trains on as many bars as the first). Inside the window the last `validationSplit` of its
 * anchors is the fold's validation part (early stopping), split by the single split's footprint
 * rule. Whatever `purge` says, no training or validation target reaches the test block: a
 * sample's bar t + H must lie before the block's first anchor.
 */
import { InvalidDatasetConfigError } from '../errors';

export interface WalkForwardSpec {
  folds: number;
  trainWindow: 'expanding' | 'rolling';
  /** Step (= test block length) in bars; or stepMs, a duration. Neither: floor(n / (folds + 1)). */
  step?: number;
  stepMs?: number;
  /** Bars between the last training anchor and the block's first; default W + H. */
  purge?: number;
  /** rolling: bars in each training window. */
  trainBars?: number;
}

/** One fold, as half-open index ranges into the sorted distinct anchor times. */
export interface FoldBounds {
  fold: number;
  trainStart: number;
  trainEnd: number;
  testStart: number;
  testEnd: number;
}

function fail(field: string, reason: string): never {
  throw new InvalidDatasetConfigError(`evaluation.${field}`, reason);
}

function lowerBound(sorted: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The folds over `times` (sorted, distinct). `minTrainBars`: the fewest bars a training window
 * may have (room for a training part, the purge and a validation part).
 */
export function walkForwardFolds(
  times: ArrayLike<number>,
  spec: WalkForwardSpec,
  defaults: { purge: number; minTrainBars: number },
): FoldBounds[] {
  const n = times.length;
  const N = spec.folds;
  if (!Number.isInteger(N) || N < 2) fail('folds', `must be a whole number >= 2, got ${N}`);
  const purge = spec.purge ?? defaults.purge;
  if (!Number.isInteger(purge) || purge < 0) fail('purge', `must be a whole number of bars >= 0, got ${purge}`);
  const starts: number[] = [];
  let lastEnd = n;
  if (spec.stepMs !== undefined) {
    if (!(spec.stepMs > 0)) fail('step', `must be a positive duration, got ${spec.stepMs} ms`);
    const end = times[n - 1] + 1;
    for (let k = 0; k < N; k++) starts.push(lowerBound(times, end - (N - k) * spec.stepMs));
  } else {
    const s = spec.step ?? Math.floor(n / (N + 1));
    if (!Number.isInteger(s) || s < 1)
      fail(
        spec.step === undefined ? 'folds' : 'step',
        spec.step === undefined
          ? `${N} folds are too many for ${n} bars of samples (each test block would be under one bar)`
          : `must be a whole number of bars >= 1, got ${s}`,
      );
    for (let k = 0; k < N; k++) starts.push(n - (N - k) * s);
    lastEnd = n;
  }
  const first = starts[0];
  if (first - purge < defaults.minTrainBars) {
    fail(
      spec.step === undefined && spec.stepMs === undefined ? 'folds' : 'step',
      `${N} folds of this step leave ${Math.max(0, first - purge)} bars before the first test block (after a purge of ${purge}), fewer than the ${defaults.minTrainBars} a training window needs; use fewer folds, a smaller step or more data (${n} bars of samples)`,
    );
  }
  let L = first - purge;
  if (spec.trainWindow === 'rolling') {
    if (spec.trainBars !== undefined) {
      if (!Number.isInteger(spec.trainBars) || spec.trainBars < defaults.minTrainBars)
        fail(
          'train_bars',
          `a rolling window of ${spec.trainBars} bars is too short; it needs at least ${defaults.minTrainBars} (a training part, the purge of the validation part and a validation part)`,
        );
      if (spec.trainBars > first - purge)
        fail(
          'train_bars',
          `a rolling window of ${spec.trainBars} bars does not fit before the first test block (${first - purge} bars there)`,
        );
      L = spec.trainBars;
    }
  } else if (spec.trainBars !== undefined) {
    fail('train_bars', 'applies to a rolling train_window only');
  }
  const folds: FoldBounds[] = [];
  for (let k = 0; k < N; k++) {
    const testStart = starts[k];
    const testEnd = k + 1 < N ? starts[k + 1] : lastEnd;
    if (testEnd <= testStart)
      fail('step', `fold ${k + 1}'s test block holds no bar of data (a gap in the data): use a longer step`);
    const trainEnd = testStart - purge;
    folds.push({
      fold: k + 1,
      trainStart: spec.trainWindow === 'rolling' ? trainEnd - L : 0,
      trainEnd,
      testStart,
      testEnd,
    });
  }
  return folds;
}

/** The candidate samples of one fold, by the rules above. */
export interface FoldSampleView {
  count: number;
  anchorTime(i: number): number;
  startTime(i: number): number;
  endTime(i: number): number;
}

export function foldParts(
  view: FoldSampleView,
  times: ArrayLike<number>,
  fold: FoldBounds,
  validationSplit: number,
): { parts: number[][]; c1: number; c2: number; inRange: number } {
  const trainFrom = times[fold.trainStart];
  const trainTo = times[fold.trainEnd - 1];
  const c2 = times[fold.testStart];
  const testTo = times[fold.testEnd - 1];
  // c1: the validation part's start, the (1 − validationSplit) quantile of the window's anchors.
  const c1 = times[fold.trainStart + Math.floor((fold.trainEnd - fold.trainStart) * (1 - validationSplit))];
  const parts: number[][] = [[], [], []];
  let inRange = 0;
  for (let i = 0; i < view.count; i++) {
    const t = view.anchorTime(i);
    if (t < trainFrom || t > testTo) continue;
    inRange++;
    const end = view.endTime(i);
    if (t >= c2) parts[2].push(i);
    else if (t > trainTo || end >= c2) continue;
    else if (end < c1) parts[0].push(i);
    else if (view.startTime(i) >= c1) parts[1].push(i);
  }
  return { parts, c1, c2, inRange };
}

/** One walk-forward fold as planned: its part sizes and first/last anchor per window (ms UTC). */
export interface FoldPlan {
  fold: number;
  train: number;
  validation: number;
  test: number;
  train_start: number;
  train_end: number;
  test_start: number;
  test_end: number;
}

/** The sorted distinct anchor times of the candidates and the walk-forward folds over them. */
export function foldsOver(
  view: FoldSampleView,
  spec: WalkForwardSpec,
  W: number,
  H: number,
): { times: Float64Array; folds: FoldBounds[] } {
  const all = Float64Array.from({ length: view.count }, (_, i) => view.anchorTime(i)).sort();
  let m = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) all[m++] = all[i];
  const times = all.slice(0, m);
  // The fewest bars a window needs: a training sample, the W + H purge, a validation sample.
  return { times, folds: walkForwardFolds(times, spec, { purge: W + H, minTrainBars: W + H + 2 }) };
}
