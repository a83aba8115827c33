/**
 * Which way a metric improves, by its name (case-insensitive):
 *
 *   lower is better:  loss, val_loss, mse, rmse, mae, mape, log_loss, max_drawdown,
 *                     any key ending in `_loss` or `_mse`/`_rmse`/`_mae` (val_mse, backtest_max_drawdown…),
 *                     any key containing `error`;
 *   higher is better: everything else (accuracy, r2, sharpe, directional_accuracy, ic, returns…).
 *
 * A prefix such as `val_`, `test_` or `backtest_` does not change the direction.
 */
const LOWER_IS_BETTER = new Set(['loss', 'val_loss', 'mse', 'rmse', 'mae', 'mape', 'log_loss', 'max_drawdown']);

export function lowerIsBetter(key: string): boolean {
  const k = key.toLowerCase();
  if (LOWER_IS_BETTER.has(k)) return true;
  if (k.endsWith('_loss') || k.includes('error')) return true;
  const base = k.replace(/^(val|validation|train|training|test|backtest|eval)_/, '');
  return LOWER_IS_BETTER.has(base) || /_(mse|rmse|mae|mape|max_drawdown)$/.test(k);
}
