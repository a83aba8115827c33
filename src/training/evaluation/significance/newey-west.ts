/**
 * Newey–West (1987) heteroskedasticity- and autocorrelation-consistent (HAC) inference on the
 * mean of a series, used for the t-statistics of the IC and of the strategy's mean return.
 *
 * - Long-run variance: S = γ₀ + 2 Σ_{j=1..L} w_j γ_j with Bartlett weights w_j = 1 − j/(L+1)
 *   and autocovariances γ_j = (1/n) Σ_{t=j+1..n} (x_t − x̄)(x_{t−j} − x̄) (divisor n, as
 *   Newey & West and statsmodels' `cov_hac` use), so S ≥ 0 always.
 * - Standard error of the mean: sqrt(S / n); t = x̄ / se; two-sided p-value from the standard
 *   normal (the statistic's asymptotic distribution).
 * - Lag rule: L = floor(4 · (n/100)^(2/9)) (Newey & West 1994, the rule statsmodels and most
 *   software use by default), raised by callers to at least the overlap of their samples
 *   (H − 1 for H-bar targets that share bars) — see significance.ts.
 */
import { twoSidedNormalP } from './distributions';
import type { NumberList } from '../stats';

/** floor(4 (n/100)^(2/9)), never negative, never ≥ n. */
export function neweyWestLag(n: number): number {
  if (!(n >= 1)) return 0;
  return Math.min(n - 1, Math.floor(4 * (n / 100) ** (2 / 9)));
}

/** γ_j with divisor n, around the given mean. */
function autocovariance(x: NumberList, m: number, j: number): number {
  let s = 0;
  for (let t = j; t < x.length; t++) s += (x[t] - m) * (x[t - j] - m);
  return s / x.length;
}

/** Bartlett-kernel long-run variance of x with `lag` lags (0 = the plain variance, divisor n). */
export function longRunVariance(x: NumberList, lag: number): number {
  const n = x.length;
  if (n === 0) throw new RangeError('longRunVariance of an empty series');
  if (!Number.isInteger(lag) || lag < 0) throw new RangeError(`lag must be an integer >= 0, got ${lag}`);
  let m = 0;
  for (let t = 0; t < n; t++) m += x[t];
  m /= n;
  let s = autocovariance(x, m, 0);
  for (let j = 1; j <= Math.min(lag, n - 1); j++) s += 2 * (1 - j / (lag + 1)) * autocovariance(x, m, j);
  return s;
}

export interface HacMean {
  /** The mean the test is about. */
  value: number;
  /** Newey–West standard error of the mean; null when the series has no variation. */
  se: number | null;
  t_stat: number | null;
  p_value: number | null;
  lag: number;
  n: number;
  method: 'newey_west_bartlett';
}

/** HAC t-test of "mean = 0" for x, with `lag` (default: the rule above). */
export function hacMeanTest(x: NumberList, lag: number = neweyWestLag(x.length)): HacMean {
  const n = x.length;
  if (n < 2) throw new RangeError(`a HAC test needs at least 2 values, got ${n}`);
  let m = 0;
  for (let t = 0; t < n; t++) m += x[t];
  m /= n;
  const L = Math.min(lag, n - 1);
  const s = longRunVariance(x, L);
  const se = s > 0 ? Math.sqrt(s / n) : null;
  const t = se === null ? null : m / se;
  return {
    value: m,
    se,
    t_stat: t,
    p_value: t === null ? null : twoSidedNormalP(t),
    lag: L,
    n,
    method: 'newey_west_bartlett',
  };
}

export interface HacCorrelation extends Omit<HacMean, 'value'> {
  /** The Pearson correlation tested. */
  value: number | null;
}

/**
 * HAC test of a Pearson correlation (the IC): with both series standardised by their mean and
 * population standard deviation, r is exactly the mean of u_t = z_x,t · z_y,t, so r's
 * standard error is the Newey–West standard error of that mean — valid when the products are
 * autocorrelated, as they are for overlapping H-bar targets. Null fields when a series is
 * constant (r undefined).
 */
export function hacCorrelationTest(x: NumberList, y: NumberList, lag: number = neweyWestLag(x.length)): HacCorrelation {
  const n = x.length;
  if (y.length !== n) throw new RangeError(`x has ${n} values but y has ${y.length}`);
  const stats = (a: NumberList) => {
    let m = 0;
    for (let t = 0; t < n; t++) m += a[t];
    m /= n;
    let v = 0;
    for (let t = 0; t < n; t++) v += (a[t] - m) ** 2;
    return { m, sd: Math.sqrt(v / n) };
  };
  const L = Math.min(lag, Math.max(0, n - 1));
  const sx = stats(x);
  const sy = stats(y);
  if (n < 2 || !(sx.sd > 0) || !(sy.sd > 0))
    return { value: null, se: null, t_stat: null, p_value: null, lag: L, n, method: 'newey_west_bartlett' };
  const u = new Float64Array(n);
  for (let t = 0; t < n; t++) u[t] = ((x[t] - sx.m) / sx.sd) * ((y[t] - sy.m) / sy.sd);
  const test = hacMeanTest(u, L);
  return { ...test, value: Math.max(-1, Math.min(1, test.value)) };
}
