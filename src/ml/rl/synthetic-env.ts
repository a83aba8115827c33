/**
 * Synthetic return series cut into train / validation / test environments, for the agent's
 * tests and benchmarks (not a test file itself).
 *   - `phi = 0`: a random walk (i.i.d. returns): nothing to learn, costs to lose.
 *   - `phi ≠ 0`: AR(1) returns r_{t+1} = phi · r_t + σ·ε, a planted pattern: with phi < 0
 *     the sign of the last return predicts the next one.
 * The window at t holds the returns r_{t−W+1..t} divided by their unconditional standard
 * deviation (a fixed scale known in advance, so no statistic of future bars leaks in);
 * nextReturns[t] = r_{t+1}. Prices compound from `startPrice`; costs are half of
 * `spreadPips` over the price at t (the backtest's convention).
 */
import { createPrng } from '../random';
import { halfSpreadCosts, type TradingEnvData } from './trading-env';

export interface SyntheticEnvOptions {
  /** Steps in each part. */
  parts: number[];
  window: number;
  /** AR(1) coefficient of returns; 0 for a random walk. */
  phi: number;
  /** Standard deviation of the innovations ε (per bar). */
  sigma: number;
  spreadPips: number;
  pipSize?: number;
  startPrice?: number;
  seed: number;
}

export function syntheticEnvs(o: SyntheticEnvOptions): TradingEnvData[] {
  const rand = createPrng(o.seed);
  const gaussian = (): number => {
    // Box–Muller; 1 − u keeps the log argument in (0, 1].
    const u = 1 - rand();
    const v = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const stationarySd = o.sigma / Math.sqrt(1 - o.phi * o.phi);
  const total = o.parts.reduce((a, b) => a + b, 0);
  // r[k] for k = 0 … total + window; sample i of the whole series has its window ending at
  // r[i + window − 1] and next return r[i + window].
  const length = total + o.window;
  const r = new Float64Array(length);
  r[0] = stationarySd * gaussian();
  for (let k = 1; k < length; k++) r[k] = o.phi * r[k - 1] + o.sigma * gaussian();
  const price = new Float64Array(length);
  let p = o.startPrice ?? 1.1;
  for (let k = 0; k < length; k++) {
    price[k] = p; // price at bar k, before the move r[k] … see below
    p *= 1 + r[k];
  }

  const envs: TradingEnvData[] = [];
  let first = 0;
  for (const n of o.parts) {
    const states = new Float32Array(n * o.window);
    const nextReturns = new Float64Array(n);
    const prices = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const s = first + i;
      for (let w = 0; w < o.window; w++) states[i * o.window + w] = r[s + w] / stationarySd;
      nextReturns[i] = r[s + o.window];
      // The return r[k] moves the price from bar k to bar k+1, so the decision price of the
      // sample whose next return is r[s + window] is price[s + window].
      prices[i] = price[s + o.window];
    }
    envs.push({
      states,
      window: o.window,
      features: 1,
      nextReturns,
      costs: halfSpreadCosts(prices, n, o.spreadPips, o.pipSize ?? 1e-4),
    });
    first += n;
  }
  return envs;
}
