/** Evaluation of trained models on their test part, and the baselines reported beside them. */
export { regressionMetrics } from './regression-metrics';
export type { RegressionMetrics } from './regression-metrics';
export { classificationMetrics, LOG_LOSS_EPS } from './classification-metrics';
export type { ClassificationMetrics, ProbabilityRows } from './classification-metrics';
export { backtest } from './backtest';
export type { BacktestOptions, BacktestResult } from './backtest';
export { fitBaselines, baselinePredictions, scoreBaselines } from './baselines';
export type { Baselines, BaselineInput, BaselineReport, BaselinePredictions, RidgeBaselineReport } from './baselines';
export { fitRidge, predictRidge, selectRidge, ridgeMoments, solveRidge, DEFAULT_RIDGE_LAMBDAS } from './ridge';
export type { RidgeModel, RidgeMoments, RidgeSelection } from './ridge';
export { periodsPerYear, barsPerYear, FX_TRADING_DAYS_PER_YEAR } from './annualization';
export { pipSizeFor, DEFAULT_PIP_SIZE, JPY_PIP_SIZE } from './pip-size';
export { pearson, spearman, averageRanks } from './stats';
export type { NumberList } from './stats';
