/**
 * Population Stability Index: PSI = Σ (aᵢ − eᵢ) · ln(aᵢ / eᵢ) over bins, where eᵢ is the share
 * of the reference (training) population in bin i and aᵢ the share of the recent inputs.
 * Usual bands: < 0.1 stable, 0.1–0.25 moderate shift, > 0.25 significant shift.
 * An empty bin would make ln() infinite, so shares are floored at PSI_EPSILON (a common
 * convention; it caps one empty bin's contribution at about 0.1 · ln(0.1/0.0001) ≈ 0.69).
 */
export const PSI_EPSILON = 1e-4;

export type PsiBand = 'stable' | 'moderate' | 'significant';

export function psiBand(psi: number): PsiBand {
  return psi < 0.1 ? 'stable' : psi <= 0.25 ? 'moderate' : 'significant';
}

/** PSI of two distributions over the same bins, given as shares (each summing to 1) or counts. */
export function psi(expected: readonly number[], actual: readonly number[]): number {
  if (expected.length !== actual.length || expected.length === 0)
    throw new Error('psi: expected and actual need the same, non-zero number of bins');
  const es = expected.reduce((s, v) => s + v, 0);
  const as = actual.reduce((s, v) => s + v, 0);
  if (!(es > 0) || !(as > 0)) throw new Error('psi: a distribution is empty');
  let total = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(expected[i] / es, PSI_EPSILON);
    const a = Math.max(actual[i] / as, PSI_EPSILON);
    total += (a - e) * Math.log(a / e);
  }
  return total;
}

/**
 * Counts of values per bin, with `edges` the inner cut points, ascending: bin 0 is
 * (-∞, edges[0]], bin i is (edges[i-1], edges[i]], the last is (edges[k-2], ∞).
 * Non-finite values are skipped.
 */
export function binCounts(values: Iterable<number>, edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (v <= edges[mid]) hi = mid;
      else lo = mid + 1;
    }
    counts[lo]++;
  }
  return counts;
}

/** Φ⁻¹(k/10), k = 1..9: the deciles of the standard normal. */
export const NORMAL_DECILE_Z = [
  -1.2815515655446004, -0.8416212335729143, -0.5244005127080407, -0.2533471031357997, 0, 0.2533471031357997,
  0.5244005127080407, 0.8416212335729143, 1.2815515655446004,
];

export interface ReferenceBins {
  edges: number[];
  /** Share of the training population in each bin (edges.length + 1 of them). */
  expected: number[];
  /** Where the bins come from. */
  source: 'training_histogram' | 'normal_approximation' | 'uniform_approximation';
}

/**
 * Expected bins of one feature, from what preprocessing.json holds:
 * - `training_histograms[feature]` = { edges, proportions } (or counts) when the trainer stored
 *   the training-part histogram — exact;
 * - else a z-score scaler's mean/std: decile bins of a normal N(mean, std²), 10 % each — an
 *   APPROXIMATION (returns have fat tails, so a few extra points of PSI are expected even
 *   without drift);
 * - else a min-max scaler's min/max: ten equal-width bins, 10 % each — a rougher
 *   approximation (assumes a uniform training distribution).
 * Returns null when nothing usable is stored (or the feature was constant in training).
 */
/** The parts of a version's preprocessing.json that drift reads (anything else is ignored; all of it may be absent). */
interface TrainingStatistics {
  training_histograms?: Record<string, { edges?: unknown; proportions?: unknown; counts?: unknown } | undefined>;
  scaler?: { kind?: unknown; features?: unknown; mean?: unknown; std?: unknown; min?: unknown; max?: unknown };
}

const finiteList = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => Number.isFinite(x));
const at = (v: unknown, j: number) => (Array.isArray(v) ? Number(v[j]) : NaN);

export function referenceBins(preprocessing: unknown, feature: string): ReferenceBins | null {
  const pre = (preprocessing ?? {}) as TrainingStatistics;
  const hist = pre.training_histograms?.[feature];
  if (hist && Array.isArray(hist.edges)) {
    const shares = Array.isArray(hist.proportions) ? hist.proportions : hist.counts;
    if (finiteList(shares) && finiteList(hist.edges) && shares.length === hist.edges.length + 1) {
      return { edges: [...hist.edges], expected: [...shares], source: 'training_histogram' };
    }
  }
  const scaler = pre.scaler;
  const j = Array.isArray(scaler?.features) ? scaler.features.indexOf(feature) : -1;
  if (!scaler || j < 0) return null;
  if (scaler.kind === 'zscore') {
    const mean = at(scaler.mean, j);
    const std = at(scaler.std, j);
    if (!Number.isFinite(mean) || !Number.isFinite(std) || std <= 0) return null;
    return {
      edges: NORMAL_DECILE_Z.map((z) => mean + std * z),
      expected: new Array<number>(10).fill(0.1),
      source: 'normal_approximation',
    };
  }
  if (scaler.kind === 'minmax') {
    const min = at(scaler.min, j);
    const max = at(scaler.max, j);
    if (!Number.isFinite(min) || !Number.isFinite(max) || max <= min) return null;
    return {
      edges: Array.from({ length: 9 }, (_, k) => min + ((max - min) * (k + 1)) / 10),
      expected: new Array<number>(10).fill(0.1),
      source: 'uniform_approximation',
    };
  }
  return null;
}
