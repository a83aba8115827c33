/**
 * The three distribution functions the significance tests need, from stdlib (@stdlib/*: small,
 * typed, accurate to double precision) rather than written here: the normal CDF and quantile,
 * and Student's t CDF.
 */
import normalCdfImpl from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantileImpl from '@stdlib/stats-base-dists-normal-quantile';
import tCdfImpl from '@stdlib/stats-base-dists-t-cdf';

/** Φ(x), the standard normal CDF. */
export function normalCdf(x: number): number {
  return normalCdfImpl(x, 0, 1);
}

/** Φ⁻¹(p), the standard normal quantile (−∞ at 0, +∞ at 1). */
export function normalQuantile(p: number): number {
  return normalQuantileImpl(p, 0, 1);
}

/** P(T ≤ x) for Student's t with `df` degrees of freedom. */
export function studentTCdf(x: number, df: number): number {
  return tCdfImpl(x, df);
}

/** Two-sided p-value of a statistic that is standard normal under the null. */
export function twoSidedNormalP(z: number): number {
  return 2 * normalCdf(-Math.abs(z));
}

/** Two-sided p-value of a statistic that is t(df) under the null. */
export function twoSidedTP(t: number, df: number): number {
  return 2 * studentTCdf(-Math.abs(t), df);
}
