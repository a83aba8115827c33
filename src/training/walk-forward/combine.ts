/**
 * The combined out-of-sample series of a walk-forward run: the folds' test blocks concatenated
 * in fold (= time) order, each with the model's and the baselines' predictions of its own fold.
 */
import type { Dataset, DatasetPart } from '../../features/core';
import type { BaselinePredictions } from '../evaluation/baselines';

/** A fold's out-of-sample block (its dataset's test part) and the predictions over it. */
export interface FoldOutOfSample {
  test: DatasetPart;
  prediction: Float64Array;
  baselines: BaselinePredictions;
}

function concatFloat<T extends Float32Array | Float64Array>(make: (n: number) => T, arrays: T[]): T {
  const out = make(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

/** The folds' test parts as one part, in fold order. */
export function concatParts(parts: DatasetPart[]): DatasetPart {
  return {
    count: parts.reduce((n, p) => n + p.count, 0),
    windows: concatFloat(
      (n) => new Float32Array(n),
      parts.map((p) => p.windows),
    ),
    targets: concatFloat(
      (n) => new Float64Array(n),
      parts.map((p) => p.targets),
    ),
    timestamps: parts.flatMap((p) => p.timestamps),
    symbols: parts.flatMap((p) => p.symbols),
    windowStart: parts.flatMap((p) => p.windowStart),
    targetEnd: parts.flatMap((p) => p.targetEnd),
  };
}

/**
 * One dataset whose test part is every fold's test block (the other parts are the final
 * model's; the combined scoring reads only the test part), and the predictions over it.
 * Ridge's λ differs by fold; the last fold's selection stands in for the report's λ fields,
 * which the caller replaces by the per-fold list.
 */
export function combineFolds(
  folds: FoldOutOfSample[],
  final: Dataset,
): { dataset: Dataset; prediction: Float64Array; baselines: BaselinePredictions } {
  const f64 = (n: number) => new Float64Array(n);
  return {
    dataset: { ...final, test: concatParts(folds.map((f) => f.test)) },
    prediction: concatFloat(
      f64,
      folds.map((f) => f.prediction),
    ),
    baselines: {
      naive_zero: concatFloat(
        f64,
        folds.map((f) => f.baselines.naive_zero),
      ),
      naive_last: concatFloat(
        f64,
        folds.map((f) => f.baselines.naive_last),
      ),
      ridge: concatFloat(
        f64,
        folds.map((f) => f.baselines.ridge),
      ),
      ridgeSelection: folds[folds.length - 1].baselines.ridgeSelection,
    },
  };
}
