/**
 * The trading evaluation of one set of test-part positions, shared by the time-series and
 * classification trainers and their baselines: a backtest per symbol in time order (see
 * backtest.ts, with the cost model of costs.ts), their equal-weight mean as the headline,
 * and the equal-weight portfolio's period returns for the significance tests.
 *
 * Portfolio: at each decision time, the mean of the period returns of the symbols that decide
 * then (each symbol trades every H-th of its samples). With one symbol it is that symbol's
 * series, so its Sharpe is the backtest's.
 */
import type { BacktestResult } from './backtest';
import { backtestSeries } from './backtest';
import { type CostSettings, ROLLOVER_RULE, rolloverDays, type SwapTable } from './costs';
import { pipSizeFor } from './pip-size';
import type { NumberList } from './stats';

export interface StrategyPart {
  symbols: readonly string[];
  /** Each sample's own bar (ms UTC). */
  timestamps: readonly number[];
  /** The bar t + H the target reads (ms UTC). */
  targetEnd: readonly number[];
}

export interface StrategyContext {
  part: StrategyPart;
  /** Realised target per sample: a simple return, or a log return when targetIsLogReturn. */
  realised: NumberList;
  targetIsLogReturn: boolean;
  /** Close at each sample's decision. */
  price: NumberList;
  horizonBars: number;
  periodsPerYear: number;
  /** One bar, ms: a bar closes at its timestamp + this. */
  barMs: number;
  spreadPips: number;
  slippagePips: number;
  swap: SwapTable;
}

export interface StrategyBacktest {
  annualized_return: number | null;
  sharpe: number | null;
  max_drawdown: number | null;
  hit_rate: number | null;
  trades: number;
  spread_pips: number;
  slippage_pips: number;
  by_symbol: Record<string, BacktestResult & { costs: CostSettings }>;
}

export interface StrategyEvaluation {
  backtest: StrategyBacktest;
  /** Equal-weight portfolio period returns, by ascending decision time. */
  portfolio: { timestamps: number[]; returns: Float64Array };
}

/** Sample indices of each symbol, in time order (the part is stacked by time, symbols interleaved). */
export function indicesBySymbol(part: StrategyPart): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const symbol of [...new Set(part.symbols)].sort()) {
    const idx: number[] = [];
    for (let i = 0; i < part.symbols.length; i++) if (part.symbols[i] === symbol) idx.push(i);
    idx.sort((a, b) => part.timestamps[a] - part.timestamps[b]);
    out.set(symbol, idx);
  }
  return out;
}

/** Backtest of positions sign(signal) per symbol, their mean, and the portfolio series. */
export function evaluateStrategy(signal: NumberList, ctx: StrategyContext): StrategyEvaluation {
  const bySymbol: StrategyBacktest['by_symbol'] = {};
  const sums = new Map<number, { sum: number; count: number }>();
  for (const [symbol, idx] of indicesBySymbol(ctx.part)) {
    const swap = ctx.swap[symbol] ?? null;
    const { result, returns, decisions } = backtestSeries(
      idx.map((i) => signal[i]),
      idx.map((i) => ctx.realised[i]),
      {
        horizonBars: ctx.horizonBars,
        periodsPerYear: ctx.periodsPerYear,
        spreadPips: ctx.spreadPips,
        slippagePips: ctx.slippagePips,
        pipSize: pipSizeFor(symbol),
        price: idx.map((i) => ctx.price[i]),
        targetIsLogReturn: ctx.targetIsLogReturn,
        swap,
        financingDays: swap
          ? idx.map((i) => rolloverDays(ctx.part.timestamps[i] + ctx.barMs, ctx.part.targetEnd[i] + ctx.barMs))
          : undefined,
      },
    );
    bySymbol[symbol] = {
      ...result,
      costs: {
        spread_pips: ctx.spreadPips,
        slippage_pips: ctx.slippagePips,
        swap_points: swap,
        rollover: ROLLOVER_RULE,
      },
    };
    for (let k = 0; k < returns.length; k++) {
      const t = ctx.part.timestamps[idx[decisions[k]]];
      const s = sums.get(t) ?? { sum: 0, count: 0 };
      s.sum += returns[k];
      s.count++;
      sums.set(t, s);
    }
  }
  const symbols = Object.keys(bySymbol);
  const avg = (k: 'annualized_return' | 'sharpe' | 'max_drawdown' | 'hit_rate') => {
    const vals = symbols.map((s) => bySymbol[s][k]).filter((v): v is number => typeof v === 'number');
    return vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : null;
  };
  const timestamps = [...sums.keys()].sort((a, b) => a - b);
  return {
    backtest: {
      annualized_return: avg('annualized_return'),
      sharpe: avg('sharpe'),
      max_drawdown: avg('max_drawdown'),
      hit_rate: avg('hit_rate'),
      trades: symbols.reduce((a, s) => a + bySymbol[s].trades, 0),
      spread_pips: ctx.spreadPips,
      slippage_pips: ctx.slippagePips,
      by_symbol: bySymbol,
    },
    portfolio: { timestamps, returns: Float64Array.from(timestamps, (t) => sums.get(t)!.sum / sums.get(t)!.count) },
  };
}
