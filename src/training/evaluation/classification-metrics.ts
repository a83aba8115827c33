/**
 * Scores of a classifier (direction down/flat/up, market regime) on one split part, from
 * its class probabilities. Conventions follow scikit-learn so numbers can be checked
 * against it: the predicted class is the arg-max probability (the lowest index on a tie);
 * log loss clips probabilities to [1e-15, 1 − 1e-15] (log 0 is −∞) and does not renormalise
 * rows; f1_macro averages per-class F1 over the classes present in the true or predicted
 * labels, an undefined precision or recall counting as 0 in it (sklearn's zero_division=0).
 */
import type { NumberList } from './stats';

export const LOG_LOSS_EPS = 1e-15;

export interface ClassificationMetrics {
  n: number;
  classes: string[];
  accuracy: number;
  /** sqrt(acc(1 − acc)/n): binomial standard error of the accuracy. */
  accuracy_se: number;
  f1_macro: number;
  /** Per class name. Null where undefined: precision of a class never predicted, recall of a class absent from the truth. */
  precision: Record<string, number | null>;
  recall: Record<string, number | null>;
  f1: Record<string, number | null>;
  log_loss: number;
  /** confusion_matrix[true][predicted], in `classes` order. */
  confusion_matrix: number[][];
}

/** Nested rows ([[p0, p1], …]) or one flat row-major n×k list. */
export type ProbabilityRows = NumberList | ReadonlyArray<NumberList>;

function flatten(probs: ProbabilityRows, n: number, k: number): NumberList {
  const nested = probs.length > 0 && typeof probs[0] !== 'number';
  if (!nested) {
    const flat = probs as NumberList;
    if (flat.length !== n * k)
      throw new RangeError(`probs has ${flat.length} values, expected ${n} samples × ${k} classes = ${n * k}`);
    return flat;
  }
  const rows = probs as ReadonlyArray<NumberList>;
  if (rows.length !== n) throw new RangeError(`probs has ${rows.length} rows but yTrue has ${n} labels`);
  const flat = new Float64Array(n * k);
  rows.forEach((row, i) => {
    if (row.length !== k) throw new RangeError(`probs row ${i} has ${row.length} values, expected ${k}`);
    for (let c = 0; c < k; c++) flat[i * k + c] = row[c];
  });
  return flat;
}

/** Metrics of class probabilities `probs` (n × k) against integer labels 0..k−1. */
export function classificationMetrics(
  yTrue: NumberList,
  probs: ProbabilityRows,
  classes: readonly string[],
): ClassificationMetrics {
  const n = yTrue.length;
  const k = classes.length;
  if (k < 2) throw new RangeError(`a classifier needs at least 2 classes, got ${k}`);
  if (n === 0) throw new RangeError('yTrue is empty: there is nothing to evaluate');
  const p = flatten(probs, n, k);

  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  let logLoss = 0;
  for (let i = 0; i < n; i++) {
    const t = yTrue[i];
    if (!Number.isInteger(t) || t < 0 || t >= k)
      throw new RangeError(`yTrue[${i}] = ${t} is not a class index 0..${k - 1}`);
    let best = 0;
    for (let c = 0; c < k; c++) {
      const v = p[i * k + c];
      if (!Number.isFinite(v) || v < 0) throw new RangeError(`probs[${i}][${c}] = ${v} is not a probability`);
      if (v > p[i * k + best]) best = c;
    }
    confusion[t][best]++;
    if (best === t) correct++;
    logLoss -= Math.log(Math.min(1 - LOG_LOSS_EPS, Math.max(LOG_LOSS_EPS, p[i * k + t])));
  }

  const precision: Record<string, number | null> = {};
  const recall: Record<string, number | null> = {};
  const f1: Record<string, number | null> = {};
  let f1Sum = 0;
  let present = 0;
  for (let c = 0; c < k; c++) {
    const tp = confusion[c][c];
    let support = 0; // true c
    let predicted = 0; // predicted c
    for (let o = 0; o < k; o++) {
      support += confusion[c][o];
      predicted += confusion[o][c];
    }
    const prec = predicted > 0 ? tp / predicted : null;
    const rec = support > 0 ? tp / support : null;
    const pr = prec ?? 0;
    const rc = rec ?? 0;
    const f = pr + rc > 0 ? (2 * pr * rc) / (pr + rc) : 0;
    precision[classes[c]] = prec;
    recall[classes[c]] = rec;
    f1[classes[c]] = prec === null && rec === null ? null : f;
    if (support > 0 || predicted > 0) {
      f1Sum += f;
      present++;
    }
  }

  const accuracy = correct / n;
  return {
    n,
    classes: [...classes],
    accuracy,
    accuracy_se: Math.sqrt((accuracy * (1 - accuracy)) / n),
    f1_macro: f1Sum / present,
    precision,
    recall,
    f1,
    log_loss: logLoss / n,
    confusion_matrix: confusion,
  };
}
