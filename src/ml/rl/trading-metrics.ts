/**
 * What a sequence of positions earned on an environment, with the conventions of the
 * evaluation backtest (src/training/evaluation/backtest.ts) at H = 1, so an agent's numbers
 * sit beside a forecasting model's: per-step return = position × next return − |Δposition|
 * × half-spread cost, starting flat; equity compounds from 1; Sharpe from the sample
 * standard deviation of step returns with zero risk-free rate; trades = position changes
 * (a flip counts once, the first entry from flat included); exposure = share of steps with a
 * position. Duplicated here (a few lines) rather than imported, because the ml module sits
 * below the training module and must not depend on it.
 */
import { envLength, positionRewards, type TradingEnvData } from './trading-env';

export interface TradingMetrics {
  total_return: number;
  /** (1 + total_return)^(periodsPerYear / steps) − 1; −1 once equity reached 0 or below. */
  annualized_return: number;
  sharpe: number | null;
  /** Largest fall from a running equity peak (the starting 1 included), positive fraction. */
  max_drawdown: number;
  trades: number;
  exposure: number;
  steps: number;
}

/** The agent and the two baselines the issue asks for, on the same part. */
export interface TradingComparison {
  agent: TradingMetrics;
  buy_and_hold: TradingMetrics;
  always_flat: TradingMetrics;
}

export function tradingMetrics(
  env: TradingEnvData,
  positions: ArrayLike<number>,
  periodsPerYear: number,
): TradingMetrics {
  if (!(periodsPerYear > 0) || !Number.isFinite(periodsPerYear))
    throw new RangeError(`periodsPerYear must be a finite number > 0, got ${periodsPerYear}`);
  const returns = positionRewards(env, positions);
  const n = returns.length;
  let equity = 1;
  let peak = 1;
  let maxDrawdown = 0;
  let trades = 0;
  let inMarket = 0;
  let previous = 0;
  for (let t = 0; t < n; t++) {
    if (positions[t] !== previous) trades++;
    if (positions[t] !== 0) inMarket++;
    previous = positions[t];
    equity *= 1 + returns[t];
    if (equity > peak) peak = equity;
    const dd = (peak - equity) / peak;
    if (dd > maxDrawdown) maxDrawdown = dd;
  }
  return {
    total_return: equity - 1,
    annualized_return: equity > 0 ? equity ** (periodsPerYear / n) - 1 : -1,
    sharpe: sharpeRatio(returns, periodsPerYear),
    max_drawdown: maxDrawdown,
    trades,
    exposure: inMarket / n,
    steps: n,
  };
}

/** Compounded total return only (what validation selects on; cheaper than all metrics). */
export function totalReturn(env: TradingEnvData, positions: ArrayLike<number>): number {
  const returns = positionRewards(env, positions);
  let equity = 1;
  for (let t = 0; t < returns.length; t++) equity *= 1 + returns[t];
  return equity - 1;
}

/** Metrics of the agent's positions beside buy-and-hold (long every step) and always-flat. */
export function compareWithBaselines(
  env: TradingEnvData,
  positions: ArrayLike<number>,
  periodsPerYear: number,
): TradingComparison {
  const n = envLength(env);
  return {
    agent: tradingMetrics(env, positions, periodsPerYear),
    buy_and_hold: tradingMetrics(env, new Int8Array(n).fill(1), periodsPerYear),
    always_flat: tradingMetrics(env, new Int8Array(n), periodsPerYear),
  };
}

function sharpeRatio(returns: Float64Array, periodsPerYear: number): number | null {
  const n = returns.length;
  if (n < 2) return null;
  let mean = 0;
  for (let t = 0; t < n; t++) mean += returns[t];
  mean /= n;
  let ss = 0;
  for (let t = 0; t < n; t++) ss += (returns[t] - mean) ** 2;
  const sd = Math.sqrt(ss / (n - 1));
  // A constant series (e.g. never trading) has no meaningful Sharpe; guard float dust too.
  if (!(sd > 1e-15 * Math.max(1, Math.abs(mean)))) return null;
  return (mean / sd) * Math.sqrt(periodsPerYear);
}
