/**
 * Which way a metric improves: the one table of directions. The compare endpoint ranks runs
 * only on metrics listed here, and the dashboard loads this same table (served as
 * /ui/assets/metric-directions.js), so a count or a setting never gets a "best run".
 *
 * Looked up by the metric's name (case-insensitive) after one prefix such as `val_`, `test_`
 * or `backtest_` is removed (`backtest_sharpe` is `sharpe`). Anything not listed, such as
 * sample sizes (`n`, `directional_n`), counts (`trades`, `epochs_run`), settings
 * (`spread_pips`, `threshold_quantile`) and standard errors (`*_se`: a smaller error bar is
 * not a better model), has no direction.
 */
export type MetricDirection = 'lower' | 'higher' | 'none';

export const METRIC_DIRECTIONS: Readonly<Record<string, 'lower' | 'higher'>> = Object.freeze({
  // errors and losses
  loss: 'lower',
  mse: 'lower',
  rmse: 'lower',
  mae: 'lower',
  mape: 'lower',
  log_loss: 'lower',
  brier: 'lower',
  ece: 'lower',
  reconstruction_error: 'lower',
  mean_abs_error: 'lower',
  max_drawdown: 'lower',
  // fit, skill and returns
  r2: 'higher',
  ic: 'higher',
  rank_ic: 'higher',
  accuracy: 'higher',
  balanced_accuracy: 'higher',
  directional_accuracy: 'higher',
  hit_rate: 'higher',
  precision: 'higher',
  recall: 'higher',
  f1: 'higher',
  f1_macro: 'higher',
  macro_f1: 'higher',
  auc: 'higher',
  sharpe: 'higher',
  total_return: 'higher',
  annualized_return: 'higher',
  return: 'higher',
  reward: 'higher',
});

export const METRIC_PREFIX = /^(val|validation|train|training|test|backtest|eval)_/;

// A Map, so names such as `constructor` or `__proto__` find nothing instead of Object's own members.
const BY_NAME = new Map(Object.entries(METRIC_DIRECTIONS));

export function metricDirection(key: string): MetricDirection {
  const k = key.toLowerCase();
  return BY_NAME.get(k) ?? BY_NAME.get(k.replace(METRIC_PREFIX, '')) ?? 'none';
}

/** Kept for callers that only need "is lower better" (false for metrics without a direction). */
export function lowerIsBetter(key: string): boolean {
  return metricDirection(key) === 'lower';
}

/**
 * The same table and lookup as an ES module for the dashboard (GET /ui/assets/metric-directions.js),
 * so the browser never keeps a second list. Its flattened names (`backtest.sharpe`) read as `backtest_sharpe`.
 */
export function metricDirectionsModule(): string {
  return [
    '// Generated from src/experiments/compare/metric-direction.ts: the one table of metric directions.',
    `const DIRECTIONS = new Map(Object.entries(${JSON.stringify(METRIC_DIRECTIONS)}));`,
    `const PREFIX = new RegExp(${JSON.stringify(METRIC_PREFIX.source)});`,
    "/** 'lower' | 'higher' | 'none' (counts, settings, standard errors: never better or worse). */",
    'export function metricDirection(key) {',
    "  const k = String(key).toLowerCase().replace(/\\./g, '_');",
    "  return DIRECTIONS.get(k) ?? DIRECTIONS.get(k.replace(PREFIX, '')) ?? 'none';",
    '}',
    '',
  ].join('\n');
}
