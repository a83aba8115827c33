/**
 * Live performance of served predictions, scored against what the market did: the same
 * statistics the version's test part was scored with (training/evaluation's
 * regressionMetrics and backtest cost model), so live and backtest figures compare like for
 * like, plus the decay test. Pure functions.
 */
import { periodsPerYear, pipSizeFor, regressionMetrics } from '../../training/evaluation';
import { backtestSeries } from '../../training/evaluation/backtest';
import { rolloverDays, type SwapPoints } from '../../training/evaluation/costs';
import { timeframeMs, type Timeframe } from '../../market-data/timeframes';

/** One scored prediction. */
export interface ScoredPrediction {
  symbol: string;
  /** ms UTC of the bar the window ended on, and of the bar t + H the target read. */
  asOf: number;
  realisedAt: number;
  predicted: number;
  realised: number;
  /** Close at as_of. */
  price: number;
}

export interface LiveMetrics {
  n: number;
  ic: number | null;
  /** 95 % interval of the IC (Fisher z), null below 4 predictions or without an IC. */
  ic_ci95: [number, number] | null;
  rank_ic: number | null;
  directional_accuracy: number | null;
  directional_accuracy_se: number | null;
  mse: number | null;
  /** MSE of predicting no change (0): the bar a return forecast has to beat. */
  mse_naive_zero: number | null;
  /** Compounded return after costs of trading sign(prediction), equal-weight mean over symbols. */
  pnl_after_costs: number | null;
  /** Non-overlapping holding periods traded (summed over symbols). */
  trades_periods: number;
}

export interface CostModel {
  spreadPips: number;
  slippagePips: number;
  /** Swap points by symbol (pips per day per unit); a symbol not listed has none. */
  swap: Record<string, SwapPoints | null | undefined>;
}

export interface StrategyShape {
  timeframe: Timeframe;
  horizonBars: number;
  targetIsLogReturn: boolean;
}

const Z95 = 1.959963984540054;

/** The 95 % confidence interval of a correlation r over n pairs, by Fisher's z transform. */
export function fisherCi95(r: number | null, n: number): [number, number] | null {
  if (r === null || !Number.isFinite(r) || n < 4) return null;
  const clamped = Math.max(-0.9999999, Math.min(0.9999999, r));
  const z = Math.atanh(clamped);
  const half = Z95 / Math.sqrt(n - 3);
  return [Math.tanh(z - half), Math.tanh(z + half)];
}

/**
 * PnL after costs, per symbol in time order: positions are sign(prediction), each held from
 * its bar to the bar its target read; a prediction whose holding period would overlap the
 * previous traded one is skipped (as the backtest trades every H-th sample), so each market
 * move is counted once. The traded periods then go through the backtest's own cost model
 * (half a spread + slippage per unit of position changed, swap over rollovers).
 */
export function pnlAfterCosts(
  rows: ScoredPrediction[],
  shape: StrategyShape,
  costs: CostModel,
): { pnl: number | null; periods: number } {
  const bySymbol = new Map<string, ScoredPrediction[]>();
  for (const r of rows) {
    let list = bySymbol.get(r.symbol);
    if (!list) bySymbol.set(r.symbol, (list = []));
    list.push(r);
  }
  const barMs = timeframeMs(shape.timeframe);
  const totals: number[] = [];
  let periods = 0;
  for (const [symbol, list] of [...bySymbol].sort(([a], [b]) => a.localeCompare(b))) {
    list.sort((a, b) => a.asOf - b.asOf);
    const traded: ScoredPrediction[] = [];
    let freeFrom = -Infinity;
    for (const r of list) {
      if (r.asOf < freeFrom) continue;
      traded.push(r);
      freeFrom = r.realisedAt;
    }
    if (!traded.length) continue;
    const swap = costs.swap[symbol] ?? null;
    const { result } = backtestSeries(
      traded.map((r) => r.predicted),
      traded.map((r) => r.realised),
      {
        horizonBars: 1, // the periods are already non-overlapping
        periodsPerYear: periodsPerYear(shape.timeframe, shape.horizonBars),
        spreadPips: costs.spreadPips,
        slippagePips: costs.slippagePips,
        pipSize: pipSizeFor(symbol),
        price: traded.map((r) => r.price),
        targetIsLogReturn: shape.targetIsLogReturn,
        swap,
        financingDays: swap ? traded.map((r) => rolloverDays(r.asOf + barMs, r.realisedAt + barMs)) : undefined,
      },
    );
    totals.push(result.total_return);
    periods += result.periods;
  }
  return { pnl: totals.length ? totals.reduce((a, b) => a + b, 0) / totals.length : null, periods };
}

/** Every live figure over these scored predictions (nulls when there are none). */
export function liveMetrics(rows: ScoredPrediction[], shape: StrategyShape, costs: CostModel): LiveMetrics {
  const n = rows.length;
  if (n === 0)
    return {
      n: 0,
      ic: null,
      ic_ci95: null,
      rank_ic: null,
      directional_accuracy: null,
      directional_accuracy_se: null,
      mse: null,
      mse_naive_zero: null,
      pnl_after_costs: null,
      trades_periods: 0,
    };
  const yTrue = Float64Array.from(rows, (r) => r.realised);
  const yPred = Float64Array.from(rows, (r) => r.predicted);
  const m = regressionMetrics(yTrue, yPred);
  let zero = 0;
  for (const y of yTrue) zero += y * y;
  const { pnl, periods } = pnlAfterCosts(rows, shape, costs);
  return {
    n,
    ic: m.ic,
    ic_ci95: fisherCi95(m.ic, n),
    rank_ic: m.rank_ic,
    directional_accuracy: m.directional_accuracy,
    directional_accuracy_se: m.directional_accuracy_se,
    mse: m.mse,
    mse_naive_zero: zero / n,
    pnl_after_costs: pnl,
    trades_periods: periods,
  };
}

export type DecayVerdict = 'ok' | 'degraded' | 'insufficient_data' | 'no_backtest';

export interface DecayTest {
  status: DecayVerdict;
  n: number;
  min_samples: number;
  live_ic: number | null;
  live_ic_ci95: [number, number] | null;
  backtest_ic: number | null;
  rule: string;
}

export const DECAY_RULE =
  'degraded when the upper end of the live IC’s 95 % confidence interval (Fisher z) lies below the backtest (test-part) IC';

/**
 * The decay test: degraded when even the optimistic end of the live IC's 95 % interval is
 * below what the backtest promised. Decides only from `minSamples` scored predictions on.
 */
export function decayTest(liveIc: number | null, n: number, backtestIc: number | null, minSamples: number): DecayTest {
  const ci = fisherCi95(liveIc, n);
  const base = {
    n,
    min_samples: minSamples,
    live_ic: liveIc,
    live_ic_ci95: ci,
    backtest_ic: backtestIc,
    rule: DECAY_RULE,
  };
  if (backtestIc === null || !Number.isFinite(backtestIc)) return { ...base, status: 'no_backtest' };
  if (n < minSamples || ci === null) return { ...base, status: 'insufficient_data' };
  return { ...base, status: ci[1] < backtestIc ? 'degraded' : 'ok' };
}
