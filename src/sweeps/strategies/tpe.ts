import { dimensions, type Dimension, type TrialParams } from '../space';
import { randomParams } from './random';
import { normal, trialRng } from './rng';
import { clampInt, type Observation, type ProposeContext, type Strategy } from './strategy';

/**
 * Tree-structured Parzen Estimator (Bergstra et al., "Algorithms for Hyper-Parameter
 * Optimization", NeurIPS 2011), in the independent per-parameter form Optuna and Hyperopt use
 * by default:
 *
 * 1. The first `startupTrials` trials are random draws (the same ones the random strategy makes).
 * 2. Afterwards the finished trials are split by objective: the best γ (25 %, at least one,
 *    at most 25) are "good", the rest "bad".
 * 3. Per parameter, two densities are built: l(x) from the good values, g(x) from the bad ones.
 *    Ranges: a Gaussian mixture (one truncated Gaussian per observed value, in log space for
 *    log ranges, bandwidth from the distance to its neighbours, plus one wide prior
 *    component). Choices: counts plus one prior count per value.
 * 4. `CANDIDATES` values are drawn from l; the one with the largest l(x)/g(x) (the expected
 *    improvement's maximiser under this model) is proposed.
 *
 * Randomness comes from trialRng(seed, index), and observations are sorted by trial index, so
 * the same finished trials give the same proposal regardless of the order they finished in.
 */
export const GAMMA = 0.25;
export const CANDIDATES = 24;

export function startupTrials(maxTrials: number): number {
  return Math.min(10, Math.max(2, Math.round(maxTrials / 4)));
}

export const tpeStrategy: Strategy = {
  name: 'tpe',
  description:
    'Tree-structured Parzen Estimator: random start-up trials, then draws that maximise l(x)/g(x) of the good vs the other finished trials',
  capacity: () => Number.POSITIVE_INFINITY,
  propose(ctx: ProposeContext): TrialParams {
    const obs = [...ctx.observations].filter((o) => Number.isFinite(o.loss)).sort((a, b) => a.index - b.index);
    if (obs.length < startupTrials(ctx.maxTrials)) return randomParams(ctx.space, ctx.seed, ctx.index);
    const ranked = [...obs].sort((a, b) => a.loss - b.loss || a.index - b.index);
    const nGood = Math.min(25, Math.max(1, Math.ceil(GAMMA * ranked.length)));
    const good = ranked.slice(0, nGood);
    const bad = ranked.slice(nGood);
    const out: TrialParams = {};
    let stream = 1;
    for (const [key, dim] of dimensions(ctx.space)) {
      const rng = trialRng(ctx.seed, ctx.index, stream++);
      out[key] = proposeDimension(
        dim,
        good.map((o) => o.params[key]),
        bad.map((o) => o.params[key]),
        rng,
      );
    }
    return out;
  },
};

function proposeDimension(
  dim: Dimension,
  good: unknown[],
  bad: unknown[],
  rng: () => number,
): string | number | boolean {
  if (dim.type === 'choice') {
    const l = categorical(dim.values, good);
    const g = categorical(dim.values, bad);
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < CANDIDATES; c++) {
      const i = drawIndex(l, rng);
      const score = Math.log(l[i]) - Math.log(g[i]);
      if (score > bestScore) [best, bestScore] = [i, score];
    }
    return dim.values[best];
  }
  const isInt = dim.type === 'int';
  const log = !!dim.log;
  // Ints are treated as a continuous range widened by half a step on each side, then rounded.
  const lo0 = isInt ? dim.min - 0.5 : dim.min;
  const hi0 = isInt ? dim.max + 0.5 : dim.max;
  const to = (v: number) => (log ? Math.log(Math.max(v, 1e-12)) : v);
  const lo = to(lo0);
  const hi = to(hi0);
  const l = parzen(good.filter(isNumber).map(to), lo, hi);
  const g = parzen(bad.filter(isNumber).map(to), lo, hi);
  let best = (lo + hi) / 2;
  let bestScore = -Infinity;
  for (let c = 0; c < CANDIDATES; c++) {
    const x = sampleMixture(l, lo, hi, rng);
    const score = logDensity(l, x, lo, hi) - logDensity(g, x, lo, hi);
    if (score > bestScore) [best, bestScore] = [x, score];
  }
  const value = log ? Math.exp(best) : best;
  if (isInt) return clampInt(value, dim.min, dim.max);
  return Math.min(dim.max, Math.max(dim.min, value));
}

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Probabilities of each choice: observed counts plus a prior count of 1 per value. */
function categorical(values: unknown[], observed: unknown[]): number[] {
  const keys = values.map((v) => JSON.stringify(v));
  const counts = keys.map(() => 1);
  for (const o of observed) {
    const i = keys.indexOf(JSON.stringify(o));
    if (i >= 0) counts[i]++;
  }
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => c / total);
}

function drawIndex(p: number[], rng: () => number): number {
  let u = rng();
  for (let i = 0; i < p.length; i++) {
    u -= p[i];
    if (u <= 0) return i;
  }
  return p.length - 1;
}

interface Mixture {
  mus: number[];
  sigmas: number[];
  weights: number[];
}

/**
 * A Parzen window over observed points, truncated to [lo, hi]: one Gaussian per point with a
 * bandwidth of the larger gap to its sorted neighbours (clipped to [range/min(100, n+1), range]),
 * plus a prior Gaussian at the centre with the range as its width (weight 1, like the points).
 */
function parzen(points: number[], lo: number, hi: number): Mixture {
  const range = hi - lo || 1;
  const sorted = [...points].sort((a, b) => a - b);
  const mus = [(lo + hi) / 2];
  const sigmas = [range];
  const minSigma = range / Math.min(100, sorted.length + 1);
  for (let i = 0; i < sorted.length; i++) {
    const left = i > 0 ? sorted[i] - sorted[i - 1] : sorted[i] - lo;
    const right = i < sorted.length - 1 ? sorted[i + 1] - sorted[i] : hi - sorted[i];
    mus.push(sorted[i]);
    sigmas.push(Math.min(range, Math.max(minSigma, left, right)));
  }
  return { mus, sigmas, weights: mus.map(() => 1 / mus.length) };
}

function sampleMixture(m: Mixture, lo: number, hi: number, rng: () => number): number {
  const k = drawIndex(m.weights, rng);
  // Truncation by rejection; a handful of tries, then clip (only tiny-width ranges get there).
  for (let t = 0; t < 16; t++) {
    const x = m.mus[k] + m.sigmas[k] * normal(rng);
    if (x >= lo && x <= hi) return x;
  }
  return Math.min(hi, Math.max(lo, m.mus[k]));
}

function logDensity(m: Mixture, x: number, lo: number, hi: number): number {
  let p = 0;
  for (let k = 0; k < m.mus.length; k++) {
    const mass = normalCdf((hi - m.mus[k]) / m.sigmas[k]) - normalCdf((lo - m.mus[k]) / m.sigmas[k]);
    const z = (x - m.mus[k]) / m.sigmas[k];
    p += (m.weights[k] * Math.exp(-0.5 * z * z)) / (m.sigmas[k] * Math.sqrt(2 * Math.PI) * Math.max(mass, 1e-12));
  }
  return Math.log(Math.max(p, 1e-300));
}

/** Φ(z) via the Abramowitz–Stegun 7.1.26 erf approximation (|error| < 1.5e-7). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

export type { Observation };
