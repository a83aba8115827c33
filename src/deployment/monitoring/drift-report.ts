import type { StoredInputs } from './monitoring-aggregate';
import { binCounts, psi, psiBand, referenceBins } from './psi';

const BASE = {
  method: 'psi',
  bands: { stable: '< 0.1', moderate: '0.1 – 0.25', significant: '> 0.25' },
};

/** The drift section when the version's training statistics cannot be read. */
export function driftUnavailable(requestsUsed: number, error: Error) {
  return {
    ...BASE,
    requests_used: requestsUsed,
    available: false,
    reason: `training statistics unavailable: ${error.message}`,
    features: {},
    max_psi: null,
    overall_band: null,
  };
}

/**
 * PSI per feature between the training distribution (the version's preprocessing.json) and
 * the values of the retained requests' inputs, pooled; the worst feature gives the band.
 */
export function driftReport(preprocessing: unknown, logs: Array<{ inputs: StoredInputs }>) {
  const values = new Map<string, number[]>();
  for (const l of logs) {
    for (const [f, vs] of Object.entries(l.inputs?.features ?? {})) {
      if (!Array.isArray(vs)) continue;
      let list = values.get(f);
      if (!list) values.set(f, (list = []));
      for (const v of vs) if (typeof v === 'number' && Number.isFinite(v)) list.push(v);
    }
  }
  const features: Record<string, unknown> = {};
  let max: number | null = null;
  for (const [f, vs] of values) {
    const ref = referenceBins(preprocessing, f);
    if (!ref) {
      features[f] = {
        psi: null,
        band: null,
        n: vs.length,
        reference: null,
        reason: 'no training statistics for this feature',
      };
      continue;
    }
    if (!vs.length) {
      features[f] = { psi: null, band: null, n: 0, reference: ref.source, reason: 'no values' };
      continue;
    }
    const actual = binCounts(vs, ref.edges);
    const value = psi(ref.expected, actual);
    max = max === null ? value : Math.max(max, value);
    const total = vs.length;
    const es = ref.expected.reduce((s, v) => s + v, 0);
    features[f] = {
      psi: value,
      band: psiBand(value),
      n: total,
      reference: ref.source,
      bins: ref.edges.length + 1,
      edges: ref.edges,
      expected: ref.expected.map((e) => e / es),
      actual: actual.map((a) => a / total),
    };
  }
  return {
    ...BASE,
    requests_used: logs.length,
    available: true,
    note: 'Reference bins: training-set histograms when the version stored them; otherwise deciles of a normal with the training mean/std (z-score scaler) or ten equal-width bins between the training min/max (min-max scaler) — approximations. Values of every retained request window are pooled.',
    features,
    max_psi: max,
    overall_band: max === null ? null : psiBand(max),
  };
}
