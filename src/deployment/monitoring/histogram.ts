/** Fixed latency buckets (upper bounds, ms); a last, open bucket holds everything above. */
export const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

export function latencyBucket(ms: number): number {
  for (let i = 0; i < LATENCY_BUCKETS_MS.length; i++) if (ms <= LATENCY_BUCKETS_MS[i]) return i;
  return LATENCY_BUCKETS_MS.length;
}

/**
 * A quantile estimated from bucket counts, interpolating linearly inside the bucket
 * (as Prometheus' histogram_quantile does). The open last bucket answers its lower bound.
 */
export function bucketQuantile(
  counts: readonly number[],
  q: number,
  bounds: readonly number[] = LATENCY_BUCKETS_MS,
): number | null {
  const total = counts.reduce((s, c) => s + c, 0);
  if (!total) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] === 0) continue;
    if (seen + counts[i] >= rank) {
      if (i >= bounds.length) return bounds[bounds.length - 1];
      const lo = i === 0 ? 0 : bounds[i - 1];
      return lo + ((bounds[i] - lo) * (rank - seen)) / counts[i];
    }
    seen += counts[i];
  }
  return bounds[bounds.length - 1];
}

/** Quantile of a sample (linear interpolation between order statistics, like numpy's default). */
export function sampleQuantile(sorted: readonly number[], q: number): number | null {
  if (!sorted.length) return null;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Equal-width histogram of a sample between its min and max. */
export function equalWidthHistogram(
  values: readonly number[],
  bins = 10,
): { edges: number[]; counts: number[] } | null {
  if (!values.length) return null;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === max) return { edges: [min, max], counts: [values.length] };
  const width = (max - min) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v - min) / width))]++;
  return { edges: Array.from({ length: bins + 1 }, (_, i) => min + i * width), counts };
}

/**
 * Numeric predictions and class labels found in a prediction's outputs: a number, an array
 * (recursively), a string label, or an object with prediction / predictions / value / score /
 * label / class / action (other keys — signal, probabilities, q_values — are not read).
 */
export function extractPredictions(
  outputs: unknown,
  into: { numbers: number[]; labels: string[] } = { numbers: [], labels: [] },
  depth = 0,
): { numbers: number[]; labels: string[] } {
  if (depth > 4 || into.numbers.length + into.labels.length > 10_000) return into;
  if (typeof outputs === 'number') {
    if (Number.isFinite(outputs)) into.numbers.push(outputs);
  } else if (typeof outputs === 'string') {
    into.labels.push(outputs.slice(0, 64));
  } else if (Array.isArray(outputs)) {
    for (const o of outputs) extractPredictions(o, into, depth + 1);
  } else if (outputs && typeof outputs === 'object') {
    const o = outputs as Record<string, unknown>;
    for (const key of ['prediction', 'predictions', 'value', 'score', 'label', 'class', 'action'])
      if (key in o) extractPredictions(o[key], into, depth + 1);
  }
  return into;
}
