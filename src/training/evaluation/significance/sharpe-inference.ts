/**
 * Inference on a Sharpe ratio after Bailey & López de Prado:
 * - the probabilistic Sharpe ratio, PSR(SR*) = Φ( (SR − SR*) · sqrt(T − 1) /
 *   sqrt(1 − γ₃·SR + (γ₄ − 1)/4 · SR²) ) ("The Sharpe Ratio Efficient Frontier", Journal of
 *   Risk 15(2), 2012, eq. 7–8): the probability that the true Sharpe exceeds SR*, given T
 *   observations with skewness γ₃ and (non-excess) kurtosis γ₄. SR is per period (not
 *   annualised), as the formula requires.
 * - the deflated Sharpe ratio, DSR = PSR(SR₀) with SR₀ the expected maximum Sharpe of N
 *   independent trials whose estimated Sharpes have variance V:
 *   SR₀ = sqrt(V) · ((1 − γ) Φ⁻¹(1 − 1/N) + γ Φ⁻¹(1 − 1/(N e))), γ the Euler–Mascheroni
 *   constant ("The Deflated Sharpe Ratio", Journal of Portfolio Management 40(5), 2014, eq. 2).
 *   With one trial there is no selection: SR₀ = 0 and DSR = PSR(0).
 */
import { normalCdf, normalQuantile } from './distributions';
import type { NumberList } from '../stats';

export const EULER_MASCHERONI = 0.5772156649015329;

export interface SharpeMoments {
  /** Per-period Sharpe: mean / sample standard deviation (n − 1); null when returns do not vary. */
  sharpe: number | null;
  /** Observations T. */
  n: number;
  /** Sample skewness m₃ / m₂^1.5 (population moments). */
  skewness: number | null;
  /** Sample kurtosis m₄ / m₂² (non-excess: 3 for a normal). */
  kurtosis: number | null;
}

export function sharpeMoments(returns: NumberList): SharpeMoments {
  const n = returns.length;
  if (n < 2) return { sharpe: null, n, skewness: null, kurtosis: null };
  let m = 0;
  for (let i = 0; i < n; i++) m += returns[i];
  m /= n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = returns[i] - m;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  const ss = m2;
  m2 /= n;
  m3 /= n;
  m4 /= n;
  if (!(m2 > 0)) return { sharpe: null, n, skewness: null, kurtosis: null };
  return { sharpe: m / Math.sqrt(ss / (n - 1)), n, skewness: m3 / m2 ** 1.5, kurtosis: m4 / (m2 * m2) };
}

/** PSR(SR*): P(true per-period Sharpe > srStar). Null when the variance term is not positive. */
export function probabilisticSharpe(
  sharpe: number,
  srStar: number,
  n: number,
  skewness: number,
  kurtosis: number,
): number | null {
  if (n < 2) return null;
  const v = 1 - skewness * sharpe + ((kurtosis - 1) / 4) * sharpe * sharpe;
  if (!(v > 0)) return null;
  return normalCdf(((sharpe - srStar) * Math.sqrt(n - 1)) / Math.sqrt(v));
}

/** SR₀: expected maximum per-period Sharpe of `trials` independent trials with Sharpe variance `variance`. */
export function expectedMaxSharpe(trials: number, variance: number): number {
  if (!Number.isInteger(trials) || trials < 1) throw new RangeError(`trials must be an integer >= 1, got ${trials}`);
  if (!(variance >= 0)) throw new RangeError(`variance must be >= 0, got ${variance}`);
  if (trials === 1) return 0;
  const g = EULER_MASCHERONI;
  return (
    Math.sqrt(variance) * ((1 - g) * normalQuantile(1 - 1 / trials) + g * normalQuantile(1 - 1 / (trials * Math.E)))
  );
}

export interface DeflatedSharpe {
  /** DSR: the PSR against the expected maximum of `trials` trials. */
  value: number | null;
  trials: number;
  /** SR₀ per period, and annualised (× sqrt(periods per year)) for reading beside the Sharpe. */
  expected_max_sharpe: number;
  expected_max_sharpe_annualized: number;
  /** V per period, and where it came from. */
  sharpe_variance: number;
  variance_source: 'trials' | 'sampling';
}

/**
 * DSR of one evaluated strategy. V is the variance of the Sharpes of the trials recorded on the
 * same test span (converted to this strategy's periods) when at least two of them have a
 * Sharpe; otherwise the sampling variance of a per-period Sharpe estimate under the null,
 * 1/(T − 1) (what a trial's Sharpe would scatter by if none had an edge).
 */
export function deflatedSharpe(
  m: SharpeMoments,
  trials: number,
  trialSharpesAnnualized: readonly number[],
  periodsPerYear: number,
): DeflatedSharpe | null {
  if (m.sharpe === null || m.skewness === null || m.kurtosis === null || m.n < 2) return null;
  let variance: number;
  let source: DeflatedSharpe['variance_source'];
  if (trialSharpesAnnualized.length >= 2) {
    let mean = 0;
    for (const s of trialSharpesAnnualized) mean += s;
    mean /= trialSharpesAnnualized.length;
    let ss = 0;
    for (const s of trialSharpesAnnualized) ss += (s - mean) ** 2;
    variance = ss / (trialSharpesAnnualized.length - 1) / periodsPerYear;
    source = 'trials';
  } else {
    variance = 1 / (m.n - 1);
    source = 'sampling';
  }
  const n = Math.max(1, trials);
  const sr0 = expectedMaxSharpe(n, variance);
  return {
    value: probabilisticSharpe(m.sharpe, sr0, m.n, m.skewness, m.kurtosis),
    trials: n,
    expected_max_sharpe: sr0,
    expected_max_sharpe_annualized: sr0 * Math.sqrt(periodsPerYear),
    sharpe_variance: variance,
    variance_source: source,
  };
}
