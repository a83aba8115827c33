/**
 * Stationary block bootstrap (Politis & Romano 1994) of the annualised Sharpe ratio, for its
 * confidence interval. Period returns are serially dependent (volatility clusters), so they are
 * resampled in blocks: each resample starts at a uniformly drawn index and, at every following
 * step, with probability 1/b jumps to a new uniform index, otherwise takes the next period
 * (wrapping round the end, i.e. circularly). Block lengths are thus geometric with mean b.
 *
 * - b = max(1, round(n^(1/3))): the n^(1/3) growth rate that is optimal for variance-type
 *   statistics (Politis & White 2004 select the constant from the data; a fixed 1 is used here
 *   so the rule is simple to state and to check).
 * - The interval is the percentile interval of the resampled Sharpes (quantiles by linear
 *   interpolation between order statistics, numpy's default "linear" method); resamples whose
 *   returns do not vary (no Sharpe) are left out and counted.
 * - Seeded (mulberry32): the same returns and seed give the same interval, bit for bit.
 */
import { mulberry32 } from '../../../features/core/random';
import type { NumberList } from '../stats';

export interface SharpeInterval {
  low: number | null;
  high: number | null;
  level: number;
  /** Standard deviation of the resampled Sharpes (a bootstrap standard error). */
  standard_error: number | null;
  method: 'stationary_bootstrap';
  resamples: number;
  /** Resamples left out because their returns did not vary. */
  undefined_resamples: number;
  expected_block_length: number;
  seed: number;
}

export interface BootstrapOptions {
  periodsPerYear: number;
  seed: number;
  resamples?: number;
  level?: number;
  /** Mean block length b; default max(1, round(n^(1/3))). */
  blockLength?: number;
  /** Uniform [0, 1) source; default mulberry32(seed). Tests pass a scripted one. */
  uniform?: () => number;
}

export const DEFAULT_BOOTSTRAP_RESAMPLES = 1000;

export function defaultBlockLength(n: number): number {
  return Math.max(1, Math.round(Math.cbrt(n)));
}

/** Indices of one stationary-bootstrap resample of length n. */
export function stationaryResampleIndices(
  n: number,
  blockLength: number,
  uniform: () => number,
  out: Int32Array = new Int32Array(n),
): Int32Array {
  const p = 1 / blockLength;
  let i = Math.floor(uniform() * n);
  for (let t = 0; t < n; t++) {
    if (t > 0) i = uniform() < p ? Math.floor(uniform() * n) : (i + 1) % n;
    out[t] = i;
  }
  return out;
}

/** Annualised Sharpe (mean / sample sd · sqrt(periods per year)) of x at `idx`; null if constant. */
function sharpeAt(x: NumberList, idx: Int32Array, annual: number): number | null {
  const n = idx.length;
  let m = 0;
  for (let t = 0; t < n; t++) m += x[idx[t]];
  m /= n;
  let ss = 0;
  for (let t = 0; t < n; t++) ss += (x[idx[t]] - m) ** 2;
  const sd = Math.sqrt(ss / (n - 1));
  return sd > 0 ? (m / sd) * annual : null;
}

/** numpy-style linear-interpolation quantile of sorted values. */
export function quantileSorted(sorted: NumberList, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function bootstrapSharpeInterval(returns: NumberList, options: BootstrapOptions): SharpeInterval {
  const n = returns.length;
  const resamples = options.resamples ?? DEFAULT_BOOTSTRAP_RESAMPLES;
  const level = options.level ?? 0.95;
  const b = options.blockLength ?? defaultBlockLength(n);
  const base = {
    level,
    method: 'stationary_bootstrap' as const,
    resamples,
    expected_block_length: b,
    seed: options.seed,
  };
  if (n < 2) return { ...base, low: null, high: null, standard_error: null, undefined_resamples: resamples };
  const uniform = options.uniform ?? mulberry32(options.seed);
  const annual = Math.sqrt(options.periodsPerYear);
  const values: number[] = [];
  const idx = new Int32Array(n);
  for (let r = 0; r < resamples; r++) {
    const s = sharpeAt(returns, stationaryResampleIndices(n, b, uniform, idx), annual);
    if (s !== null) values.push(s);
  }
  const undefinedResamples = resamples - values.length;
  if (values.length < 2)
    return { ...base, low: null, high: null, standard_error: null, undefined_resamples: undefinedResamples };
  const sorted = Float64Array.from(values).sort();
  let m = 0;
  for (const v of values) m += v;
  m /= values.length;
  let ss = 0;
  for (const v of values) ss += (v - m) ** 2;
  const alpha = (1 - level) / 2;
  return {
    ...base,
    low: quantileSorted(sorted, alpha),
    high: quantileSorted(sorted, 1 - alpha),
    standard_error: Math.sqrt(ss / (values.length - 1)),
    undefined_resamples: undefinedResamples,
  };
}
