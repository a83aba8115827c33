/**
 * Market-regime label, a documented rule (not a model):
 *
 *   For bar t with horizon H and trailing look-back L (one-bar log returns r_i = ln c_i/c_{i-1}):
 *     sigma_ref = population std of r over the L bars ending at t      (trailing: known at t)
 *     sigma_fwd = population std of r over the H bars t+1 .. t+H       (forward: the label)
 *     R         = ln(c_{t+H} / c_t)                                      (forward: the label)
 *   volatile       if sigma_fwd > volRatio * sigma_ref
 *   trending_up    else if R >  trendZ * sigma_ref * sqrt(H)
 *   trending_down  else if R < -trendZ * sigma_ref * sqrt(H)
 *   ranging        otherwise
 *
 * Why forward-looking: the label is what a model predicts, "what kind of market comes next",
 * so it must describe bars after t; a trailing regime would just be a function of the
 * inputs (a feature, not a target). Why relative to trailing volatility: FX volatility
 * varies by pair and era, so "a big move" and "a turbulent stretch" are measured against
 * the pair's own recent noise (a random walk crosses trendZ = 1.5 about 13% of the time).
 * Only sigma_ref reads bars <= t, exactly like a feature; everything after t lies inside
 * the label's horizon, which the dataset builder purges between parts (W + H bars), so the
 * label leaks nothing across a split. Labels are null where t < L or t + H is beyond the data.
 */
import type { FeatureColumn } from '../types';

export const REGIME_CLASSES = ['trending_up', 'trending_down', 'ranging', 'volatile'] as const;

export interface RegimeOptions {
  /** Forward move, in trailing standard deviations scaled by sqrt(H), that counts as a trend. */
  trendZ: number;
  /** Forward volatility over trailing volatility above which the stretch is `volatile`. */
  volRatio: number;
  /** Trailing one-bar returns in the reference volatility. */
  volLookback: number;
}

export const DEFAULT_REGIME: RegimeOptions = { trendZ: 1.5, volRatio: 1.5, volLookback: 100 };

/** Population std of xs[from..to) (the small loop the label needs; features use the library's SD). */
function std(xs: Float64Array, from: number, to: number): number {
  let mean = 0;
  for (let i = from; i < to; i++) mean += xs[i];
  mean /= to - from;
  let ss = 0;
  for (let i = from; i < to; i++) ss += (xs[i] - mean) ** 2;
  return Math.sqrt(ss / (to - from));
}

export function regimeLabels(close: readonly number[], H: number, o: RegimeOptions): FeatureColumn {
  const n = close.length;
  const out: FeatureColumn = new Array<number | null>(n).fill(null);
  // r[i] = ln(c_i / c_{i-1}) for i >= 1.
  const r = new Float64Array(n);
  for (let i = 1; i < n; i++) r[i] = Math.log(close[i] / close[i - 1]);
  for (let t = o.volLookback; t + H < n; t++) {
    const sigmaRef = std(r, t - o.volLookback + 1, t + 1);
    const sigmaFwd = std(r, t + 1, t + H + 1);
    const R = Math.log(close[t + H] / close[t]);
    const band = o.trendZ * sigmaRef * Math.sqrt(H);
    if (sigmaFwd > o.volRatio * sigmaRef) out[t] = 3;
    else if (R > band) out[t] = 0;
    else if (R < -band) out[t] = 1;
    else out[t] = 2;
  }
  return out;
}
