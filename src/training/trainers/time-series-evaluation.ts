import type { BarSeries, Dataset } from '../../features/core';
import {
  baselinePredictions,
  regressionMetrics,
  scoreBaselines,
  type BaselineInput,
  type BaselinePredictions,
  type NumberList,
} from '../evaluation';
import { positionBaseline } from '../evaluation/position-baselines';
import { significanceReport, type Significance, type SignificanceInput } from '../evaluation/significance/report';
import { evaluateStrategy } from '../evaluation/strategy';
import { testEvaluationContext, type TestEvaluationContext } from './evaluation-context';
import type { TrainingPlan } from './trainer';

/** A time-series model's test-part figures: metrics with the backtest, baselines, significance. */
export interface TimeSeriesScores {
  metrics: Record<string, unknown>;
  baselines: Record<string, unknown>;
  significance: Significance;
  /** The baselines' test predictions (walk-forward concatenates them across folds). */
  predicted: BaselinePredictions;
}

/**
 * Scores predictions of `dataset.test` beside the naive, ridge, always-long and always-short
 * baselines. `predicted`: the baselines' predictions when already made (walk-forward: each
 * fold's, fitted on that fold's training part); otherwise fitted here on dataset.train.
 */
export function scoreTimeSeriesTest(
  dataset: Dataset,
  series: BarSeries[],
  plan: TrainingPlan,
  testPred: Float64Array,
  predicted?: BaselinePredictions,
): TimeSeriesScores {
  const ev = testEvaluationContext(dataset, series, plan, true);
  const strategy = (signal: NumberList) => evaluateStrategy(signal, ev.strategy);
  const model = strategy(testPred);
  const baselineInput = timeSeriesBaselineInput(dataset, ev);
  const baselines = predicted ?? baselinePredictions(baselineInput);
  const scored = scoreBaselines(baselineInput, baselines);
  const yTest = dataset.test.targets;
  const squaredError = (p: NumberList) => Float64Array.from(yTest, (y, i) => (y - p[i]) ** 2);
  const competitors: SignificanceInput['baselines'] = {};
  for (const name of ['naive_zero', 'naive_last', 'ridge'] as const) {
    competitors[name] = {
      forecastLoss: squaredError(baselines[name]),
      portfolioReturns: strategy(baselines[name]).portfolio.returns,
    };
  }
  const long = positionBaseline(1, ev.realisedReturn, strategy);
  const short = positionBaseline(-1, ev.realisedReturn, strategy);
  competitors.always_long = { portfolioReturns: long.portfolioReturns };
  competitors.always_short = { portfolioReturns: short.portfolioReturns };
  const significance = significanceReport({
    testSpan: ev.testSpan,
    horizonBars: dataset.target.horizonBars,
    symbolCount: ev.symbolCount,
    periodsPerYear: ev.strategy.periodsPerYear,
    seed: plan.seed,
    icScore: testPred,
    icRealised: yTest,
    scoreName: 'prediction',
    forecastLossName: 'squared_error',
    model: { forecastLoss: squaredError(testPred), portfolioReturns: model.portfolio.returns },
    baselines: competitors,
  });
  return {
    metrics: { ...regressionMetrics(yTest, testPred), backtest: model.backtest },
    baselines: { ...scored, always_long: long.report, always_short: short.report },
    significance,
    predicted: baselines,
  };
}

function timeSeriesBaselineInput(dataset: Dataset, ev: TestEvaluationContext): BaselineInput {
  return {
    xTrain: dataset.train.windows,
    yTrain: dataset.train.targets,
    xVal: dataset.validation.windows,
    yVal: dataset.validation.targets,
    xTest: dataset.test.windows,
    yTest: dataset.test.targets,
    featureCount: dataset.window * dataset.numFeatures,
    lastChangeTest: ev.lastChange,
    backtestOptions: { horizonBars: ev.strategy.horizonBars, periodsPerYear: ev.strategy.periodsPerYear },
    // Multi-symbol parts interleave symbols: backtest each symbol in time order (as the model).
    backtestOf: (predictions) =>
      evaluateStrategy(predictions, ev.strategy).backtest as unknown as Record<string, unknown>,
  };
}
