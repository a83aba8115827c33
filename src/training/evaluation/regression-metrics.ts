/**
 * Scores of a regression model (a predicted price change or log return) on one split part.
 * Keys are snake_case because the object goes into the API and the registry unchanged.
 */
import type { NumberList } from './stats';
import { assertFinite, assertSameLength, isConstant, mean, pearson, spearman } from './stats';

export interface RegressionMetrics {
  /** Number of samples scored. */
  n: number;
  mse: number;
  rmse: number;
  mae: number;
  /**
   * 1 - SS_res / SS_tot, which is negative for a model worse than predicting the test mean.
   * Null when the realised values are all equal (SS_tot = 0: the ratio is undefined).
   */
  r2: number | null;
  /**
   * Share of samples where sign(prediction) == sign(realised), over the samples whose
   * realised value is not exactly 0 (a bar that did not move has no direction to call).
   * A prediction of exactly 0 makes no call and counts as wrong. Null when every realised
   * value is 0.
   */
  directional_accuracy: number | null;
  /** sqrt(p(1-p)/directional_n): a caller tests "is it beyond 0.5 ± 3 SE?" with it. */
  directional_accuracy_se: number | null;
  /** Samples directional_accuracy counts (those with a non-zero realised value). */
  directional_n: number;
  /** Information coefficient: Pearson correlation of prediction and realised value. */
  ic: number | null;
  /** Spearman rank correlation (average ranks for ties). Null, like ic, for a constant series. */
  rank_ic: number | null;
}

/** Metrics of `yPred` against the realised `yTrue`; both finite, same length, non-empty. */
export function regressionMetrics(yTrue: NumberList, yPred: NumberList): RegressionMetrics {
  assertSameLength(yTrue, yPred, 'yTrue', 'yPred');
  assertFinite(yTrue, 'yTrue');
  assertFinite(yPred, 'yPred');
  const n = yTrue.length;
  const yMean = mean(yTrue);

  let sse = 0;
  let sae = 0;
  let sst = 0;
  let directional = 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const t = yTrue[i];
    const e = t - yPred[i];
    sse += e * e;
    sae += Math.abs(e);
    const d = t - yMean;
    sst += d * d;
    if (t !== 0) {
      directional++;
      if (Math.sign(yPred[i]) === Math.sign(t)) correct++;
    }
  }

  const mse = sse / n;
  const p = directional > 0 ? correct / directional : null;
  return {
    n,
    mse,
    rmse: Math.sqrt(mse),
    mae: sae / n,
    // Test constancy exactly: a rounding residue in sst would give a meaningless huge r2.
    r2: isConstant(yTrue) ? null : 1 - sse / sst,
    directional_accuracy: p,
    directional_accuracy_se: p === null ? null : Math.sqrt((p * (1 - p)) / directional),
    directional_n: directional,
    ic: pearson(yPred, yTrue),
    rank_ic: spearman(yPred, yTrue),
  };
}
