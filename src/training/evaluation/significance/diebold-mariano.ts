/**
 * Diebold–Mariano (1995) test of equal predictive accuracy, with the Harvey, Leybourne &
 * Newbold (1997) small-sample correction.
 *
 * With loss differentials d_t = L(model)_t − L(baseline)_t (t = 1..n) for h-step forecasts:
 * - d̄ = mean(d); γ_k = (1/n) Σ_{t=k+1..n} (d_t − d̄)(d_{t−k} − d̄);
 * - V = γ₀ + 2 Σ_{k=1..h−1} γ_k (the rectangular window of DM 1995: h-step forecast errors are
 *   at most MA(h−1)); when that is not positive (it can be, for h > 1), the Bartlett-weighted
 *   sum with the same h−1 lags is used instead (always ≥ 0), and `variance` says which;
 * - DM = d̄ / sqrt(V / n);
 * - HLN: DM* = DM · sqrt((n + 1 − 2h + h(h − 1)/n) / n), compared with Student's t with
 *   n − 1 degrees of freedom; the p-value is two-sided.
 * A negative statistic means the model's loss is lower than the baseline's.
 */
import { twoSidedTP } from './distributions';
import { longRunVariance } from './newey-west';
import type { NumberList } from '../stats';

export interface DieboldMariano {
  /** Mean loss differential, model − baseline (negative: the model loses less). */
  mean_difference: number;
  /** HLN-corrected statistic; null when the differentials do not vary (the test is undefined). */
  statistic: number | null;
  p_value: number | null;
  /** Forecast horizon h (in samples of the series tested). */
  horizon: number;
  n: number;
  variance: 'rectangular' | 'bartlett';
  correction: 'harvey_leybourne_newbold';
  /** Which loss was compared. */
  loss: string;
}

function autocov(d: NumberList, m: number, k: number): number {
  let s = 0;
  for (let t = k; t < d.length; t++) s += (d[t] - m) * (d[t - k] - m);
  return s / d.length;
}

/** DM test (HLN-corrected) on per-sample losses of the model and of one baseline. */
export function dieboldMariano(
  modelLoss: NumberList,
  baselineLoss: NumberList,
  horizon: number,
  loss: string,
): DieboldMariano {
  const n = modelLoss.length;
  if (baselineLoss.length !== n)
    throw new RangeError(`model has ${n} losses but the baseline has ${baselineLoss.length}`);
  if (!Number.isInteger(horizon) || horizon < 1)
    throw new RangeError(`horizon must be an integer >= 1, got ${horizon}`);
  if (n < 2) throw new RangeError(`a Diebold–Mariano test needs at least 2 losses, got ${n}`);
  const h = Math.min(horizon, n - 1);
  const d = new Float64Array(n);
  let m = 0;
  for (let t = 0; t < n; t++) {
    d[t] = modelLoss[t] - baselineLoss[t];
    m += d[t];
  }
  m /= n;
  let v = autocov(d, m, 0);
  for (let k = 1; k < h; k++) v += 2 * autocov(d, m, k);
  let variance: DieboldMariano['variance'] = 'rectangular';
  if (!(v > 0) && h > 1) {
    v = longRunVariance(d, h - 1);
    variance = 'bartlett';
  }
  const base = { mean_difference: m, horizon: h, n, variance, correction: 'harvey_leybourne_newbold' as const, loss };
  if (!(v > 0)) return { ...base, statistic: null, p_value: null };
  const dm = m / Math.sqrt(v / n);
  const statistic = dm * Math.sqrt((n + 1 - 2 * h + (h * (h - 1)) / n) / n);
  return { ...base, statistic, p_value: twoSidedTP(statistic, n - 1) };
}
