/**
 * The naive baselines every regression model is reported beside, on the same test part
 * and with the same metrics (DESIGN.md, "Machine-learning correctness"), so a user sees
 * whether the model beats "no change" and a linear model:
 *
 * - naive_zero: predicts no change (0). Its MSE is the bar to beat for a return forecast;
 *   by construction it makes no directional call (directional_accuracy 0 wherever the
 *   market moved) and never trades.
 * - naive_last: predicts that the last realised change repeats (momentum). The caller gives,
 *   per test sample, a change computed only from data at or before the sample's time t —
 *   e.g. close[t] / close[t − H] − 1 for a `price_change_{H}` target, the H-bar return ending
 *   at t, never the target's own window (t, t + H]. A null (not enough history) predicts 0.
 * - ridge: see ridge.ts; fitted on train, λ chosen on validation, scored on test.
 */
import type { BacktestOptions, BacktestResult } from './backtest';
import { backtest } from './backtest';
import type { RegressionMetrics } from './regression-metrics';
import { regressionMetrics } from './regression-metrics';
import { DEFAULT_RIDGE_LAMBDAS, predictRidge, selectRidge, type RidgeSelection } from './ridge';
import type { NumberList } from './stats';

/** The backtest of a baseline: one series, or whatever `backtestOf` reports (e.g. per symbol). */
export type BaselineBacktest = BacktestResult | Record<string, unknown>;
export type BaselineReport = RegressionMetrics & { backtest: BaselineBacktest };

export interface RidgeBaselineReport extends BaselineReport {
  /** The λ kept (chosen on the validation part). */
  lambda: number;
  /** Validation MSE of each λ tried, so the choice can be checked. */
  lambda_search: { lambda: number; mse: number }[];
  lambda_selected_on: 'validation' | 'default';
}

export interface Baselines {
  naive_zero: BaselineReport;
  naive_last: BaselineReport;
  ridge: RidgeBaselineReport;
}

export interface BaselineInput {
  /** Row-major flattened windows, samples × featureCount (W·F), per split part. */
  xTrain: NumberList;
  yTrain: NumberList;
  xVal: NumberList;
  yVal: NumberList;
  xTest: NumberList;
  yTest: NumberList;
  /** Columns of one flattened sample: window length W × features per bar F. */
  featureCount: number;
  /** Per test sample, the last realised target-like change known at its time (see above). */
  lastChangeTest: ArrayLike<number | null>;
  backtestOptions: BacktestOptions;
  /**
   * Backtests a baseline's test predictions. Default: one series with backtestOptions; a
   * caller whose test part stacks several symbols passes one that splits them.
   */
  backtestOf?: (predictions: Float64Array) => BaselineBacktest;
  /** λ grid for ridge; 1e-3 … 1e3 by decades when absent. */
  ridgeLambdas?: readonly number[];
}

function report(yTest: NumberList, predictions: Float64Array, input: BaselineInput): BaselineReport {
  return {
    ...regressionMetrics(yTest, predictions),
    backtest: input.backtestOf ? input.backtestOf(predictions) : backtest(predictions, yTest, input.backtestOptions),
  };
}

/** The baselines' test predictions (and ridge's λ search), before they are scored. */
export interface BaselinePredictions {
  naive_zero: Float64Array;
  naive_last: Float64Array;
  ridge: Float64Array;
  ridgeSelection: RidgeSelection;
}

/** Fits the baselines on the training part (ridge's λ on validation) and predicts the test part. */
export function baselinePredictions(input: BaselineInput): BaselinePredictions {
  const { yTest, featureCount } = input;
  const n = yTest.length;
  if (input.lastChangeTest.length !== n) {
    throw new RangeError(`lastChangeTest has ${input.lastChangeTest.length} values but yTest has ${n}`);
  }

  const zero = new Float64Array(n);
  const last = new Float64Array(n);
  for (let i = 0; i < n; i++) last[i] = input.lastChangeTest[i] ?? 0;

  if (input.xTest.length !== n * featureCount) {
    throw new RangeError(
      `xTest has ${input.xTest.length} values, expected ${n} samples × ${featureCount} columns = ${n * featureCount}`,
    );
  }

  const selection = selectRidge(
    input.xTrain,
    input.yTrain,
    input.xVal,
    input.yVal,
    featureCount,
    input.ridgeLambdas ?? DEFAULT_RIDGE_LAMBDAS,
  );
  return {
    naive_zero: zero,
    naive_last: last,
    ridge: predictRidge(selection.model, input.xTest),
    ridgeSelection: selection,
  };
}

/** Scores baseline predictions on the test part, with the same metrics as the model. */
export function scoreBaselines(input: BaselineInput, predictions: BaselinePredictions): Baselines {
  const { yTest } = input;
  const selection = predictions.ridgeSelection;
  return {
    naive_zero: report(yTest, predictions.naive_zero, input),
    naive_last: report(yTest, predictions.naive_last, input),
    ridge: {
      ...report(yTest, predictions.ridge, input),
      lambda: selection.model.lambda,
      lambda_search: selection.validation,
      lambda_selected_on: selection.selected_on,
    },
  };
}

/** Fits the baselines on the training part (ridge's λ on validation) and scores them on test. */
export function fitBaselines(input: BaselineInput): Baselines {
  return scoreBaselines(input, baselinePredictions(input));
}
