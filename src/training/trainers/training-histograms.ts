import { scalerCoefficients } from '../../features/core/dataset/scaler';
import type { Dataset } from '../../features/core';

export interface FeatureHistogram {
  /** Nine cut points: the training part's deciles of the raw feature. */
  edges: number[];
  /** Share of training rows in each of the ten bins (edges[i-1] < x <= edges[i]). */
  proportions: number[];
}

/**
 * The training distribution of every feature (raw, unscaled values of each training
 * sample's own bar), stored in preprocessing.json so deployment monitoring can compute the
 * Population Stability Index of live inputs against exactly what the model was fitted on.
 */
export function trainingHistograms(dataset: Dataset): Record<string, FeatureHistogram> {
  const { train, window: W, numFeatures: F, features } = dataset;
  const { offset, factor } = scalerCoefficients(dataset.scaler);
  const out: Record<string, FeatureHistogram> = {};
  features.forEach((name, j) => {
    const raw = new Float64Array(train.count);
    for (let i = 0; i < train.count; i++) raw[i] = train.windows[(i * W + W - 1) * F + j] / factor[j] + offset[j];
    raw.sort();
    if (raw.length < 10 || raw[0] === raw[raw.length - 1]) return; // too few rows, or constant: no bins
    const edges = [1, 2, 3, 4, 5, 6, 7, 8, 9].map(
      (d) => raw[Math.min(raw.length - 1, Math.floor((d / 10) * raw.length))],
    );
    const counts = new Array<number>(10).fill(0);
    for (const v of raw) {
      let b = 0;
      while (b < 9 && v > edges[b]) b++;
      counts[b]++;
    }
    out[name] = { edges, proportions: counts.map((c) => c / raw.length) };
  });
  return out;
}
