import { createPrng } from '../random';
import type { FlatTensorData } from '../training';

/**
 * Small learnable datasets for tests and benchmarks (not a test file itself).
 * Regression target: the mean of feature 0 over the window plus 0.5 × its last value —
 * learnable by every architecture, impossible to get right by predicting a constant.
 */
export function regressionData(
  samples: number,
  window: number,
  features: number,
  seed = 1,
): { x: FlatTensorData; y: FlatTensorData } {
  const rand = createPrng(seed);
  const x = new Float32Array(samples * window * features);
  const y = new Float32Array(samples);
  for (let s = 0; s < samples; s++) {
    let sum = 0;
    let last = 0;
    for (let t = 0; t < window; t++) {
      for (let f = 0; f < features; f++) {
        const v = rand() * 2 - 1;
        x[(s * window + t) * features + f] = v;
        if (f === 0) {
          sum += v;
          last = v;
        }
      }
    }
    y[s] = sum / window + 0.5 * last;
  }
  return { x: { values: x, shape: [samples, window, features] }, y: { values: y, shape: [samples, 1] } };
}

/** Two-class one-hot target: is the sum of feature 0 over the window positive? */
export function classificationData(
  samples: number,
  window: number,
  features: number,
  seed = 2,
): { x: FlatTensorData; y: FlatTensorData } {
  const { x } = regressionData(samples, window, features, seed);
  const y = new Float32Array(samples * 2);
  for (let s = 0; s < samples; s++) {
    let sum = 0;
    for (let t = 0; t < window; t++) sum += x.values[(s * window + t) * features];
    y[s * 2 + (sum > 0 ? 1 : 0)] = 1;
  }
  return { x, y: { values: y, shape: [samples, 2] } };
}
