import type { BarSeries, Dataset } from '../../features/core';
import { timeframeMs } from '../../market-data/timeframes';
import { periodsPerYear } from '../evaluation';
import type { StrategyContext } from '../evaluation/strategy';
import type { TestSpan } from '../evaluation/significance/report';
import { sampleContext } from './sample-context';
import type { TrainingPlan } from './trainer';

/** What the test-part evaluation of a time-series or classification model shares. */
export interface TestEvaluationContext {
  strategy: StrategyContext;
  /** Realised simple H-bar return per test sample (what the backtest trades on). */
  realisedReturn: Float64Array;
  lastChange: Array<number | null>;
  testSpan: Omit<TestSpan, 'key'>;
  symbolCount: number;
}

/**
 * The strategy context of the test part. `realised` is what the backtest compounds: the
 * target itself for a return target, the realised H-bar return for a class label.
 */
export function testEvaluationContext(
  dataset: Dataset,
  series: BarSeries[],
  plan: TrainingPlan,
  useTarget: boolean,
): TestEvaluationContext {
  const part = dataset.test;
  const H = dataset.target.horizonBars;
  const log = dataset.target.family === 'log_return';
  const sc = sampleContext(part, series, H, log);
  const symbols = [...new Set(part.symbols)].sort();
  let first = Infinity;
  let last = -Infinity;
  for (const t of part.timestamps) {
    first = Math.min(first, t);
    last = Math.max(last, t);
  }
  return {
    strategy: {
      part,
      realised: useTarget ? part.targets : sc.forwardReturn,
      targetIsLogReturn: useTarget && log,
      price: sc.price,
      horizonBars: H,
      periodsPerYear: periodsPerYear(dataset.timeframe, H),
      barMs: timeframeMs(dataset.timeframe),
      spreadPips: plan.spreadPips,
      slippagePips: plan.slippagePips ?? 0,
      swap: plan.swapPoints ?? {},
    },
    realisedReturn: useTarget ? Float64Array.from(part.targets, (v) => (log ? Math.expm1(v) : v)) : sc.forwardReturn,
    lastChange: sc.lastChange,
    testSpan: {
      symbols,
      timeframe: dataset.timeframe,
      first: new Date(first).toISOString(),
      last: new Date(last).toISOString(),
    },
    symbolCount: symbols.length,
  };
}
