import type { NumberList } from './stats';

export interface LogisticModel {
  /** [p × k] weights on standardised columns, row-major, and k intercepts. */
  weights: Float64Array;
  intercepts: Float64Array;
  mean: Float64Array;
  std: Float64Array;
  classes: number;
  columns: number;
}

/**
 * Multinomial logistic regression (softmax) with L2, fitted by full-batch gradient descent
 * on standardised columns: deterministic (no shuffling, zero start), and enough for a
 * baseline on a flattened window. `sampleWeights` carry class weights.
 */
export function fitLogistic(
  x: NumberList,
  y: NumberList,
  p: number,
  k: number,
  opts: { l2?: number; iterations?: number; learningRate?: number; sampleWeights?: NumberList } = {},
): LogisticModel {
  const n = y.length;
  const l2 = opts.l2 ?? 1e-3;
  const iterations = opts.iterations ?? 300;
  const lr = opts.learningRate ?? 0.5;
  const mean = new Float64Array(p);
  const std = new Float64Array(p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) mean[j] += x[i * p + j];
  for (let j = 0; j < p; j++) mean[j] /= n || 1;
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) std[j] += (x[i * p + j] - mean[j]) ** 2;
  for (let j = 0; j < p; j++) std[j] = Math.sqrt(std[j] / (n || 1)) || 1;
  const z = new Float64Array(n * p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) z[i * p + j] = (x[i * p + j] - mean[j]) / std[j];

  const w = new Float64Array(p * k);
  const b = new Float64Array(k);
  const gradW = new Float64Array(p * k);
  const gradB = new Float64Array(k);
  const probs = new Float64Array(k);
  let totalWeight = 0;
  for (let i = 0; i < n; i++) totalWeight += opts.sampleWeights ? opts.sampleWeights[i] : 1;
  for (let it = 0; it < iterations; it++) {
    gradW.fill(0);
    gradB.fill(0);
    for (let i = 0; i < n; i++) {
      softmaxRow(z, i, p, w, b, k, probs);
      const sw = opts.sampleWeights ? opts.sampleWeights[i] : 1;
      const yi = y[i];
      for (let c = 0; c < k; c++) {
        const err = (probs[c] - (c === yi ? 1 : 0)) * sw;
        gradB[c] += err;
        for (let j = 0; j < p; j++) gradW[j * k + c] += err * z[i * p + j];
      }
    }
    for (let c = 0; c < k; c++) b[c] -= (lr * gradB[c]) / totalWeight;
    for (let q = 0; q < p * k; q++) w[q] -= lr * (gradW[q] / totalWeight + l2 * w[q]);
  }
  return { weights: w, intercepts: b, mean, std, classes: k, columns: p };
}

/** Class probabilities, row-major [n × k]. */
export function predictLogistic(model: LogisticModel, x: NumberList): Float64Array {
  const { columns: p, classes: k } = model;
  const n = x.length / p;
  const out = new Float64Array(n * k);
  const z = new Float64Array(p);
  const probs = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) z[j] = (x[i * p + j] - model.mean[j]) / model.std[j];
    softmaxRow(z, 0, p, model.weights, model.intercepts, k, probs);
    out.set(probs, i * k);
  }
  return out;
}

function softmaxRow(
  z: Float64Array,
  i: number,
  p: number,
  w: Float64Array,
  b: Float64Array,
  k: number,
  out: Float64Array,
): void {
  let max = -Infinity;
  for (let c = 0; c < k; c++) {
    let s = b[c];
    for (let j = 0; j < p; j++) s += z[i * p + j] * w[j * k + c];
    out[c] = s;
    if (s > max) max = s;
  }
  let sum = 0;
  for (let c = 0; c < k; c++) {
    out[c] = Math.exp(out[c] - max);
    sum += out[c];
  }
  for (let c = 0; c < k; c++) out[c] /= sum;
}
