/**
 * The position baselines beside every time-series and classification backtest: always long
 * and always short, on the same test samples, with the same costs. A model whose strategy does
 * not beat both has only found the test period's drift (or its opposite).
 */
import type { StrategyBacktest, StrategyEvaluation } from './strategy';
import type { NumberList } from './stats';

export interface PositionBaselineReport {
  /** +1 (always long) or −1 (always short). */
  position: 1 | -1;
  /** Share of samples with a non-zero realised return whose sign is the position's. */
  directional_accuracy: number | null;
  directional_n: number;
  backtest: StrategyBacktest;
}

export interface PositionBaseline {
  report: PositionBaselineReport;
  portfolioReturns: Float64Array;
}

export function positionBaseline(
  position: 1 | -1,
  realisedReturn: NumberList,
  evaluate: (signal: Float64Array) => StrategyEvaluation,
): PositionBaseline {
  const n = realisedReturn.length;
  let moved = 0;
  let right = 0;
  for (let i = 0; i < n; i++) {
    const r = realisedReturn[i];
    if (r !== 0) {
      moved++;
      if (Math.sign(r) === position) right++;
    }
  }
  const evaluation = evaluate(new Float64Array(n).fill(position));
  return {
    report: {
      position,
      directional_accuracy: moved > 0 ? right / moved : null,
      directional_n: moved,
      backtest: evaluation.backtest,
    },
    portfolioReturns: evaluation.portfolio.returns,
  };
}
