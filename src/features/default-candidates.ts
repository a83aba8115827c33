import type { Timeframe } from '../market-data/timeframes';

/**
 * The candidates feature selection ranks when the request names none: the catalogue with
 * the parameters quants use most. Calendar hour features are left out on daily bars
 * (constant there), and features needing columns a series lacks are dropped by the caller.
 */
export function defaultCandidates(timeframe: Timeframe): string[] {
  const names = [
    'sma_10',
    'sma_20',
    'sma_50',
    'ema_12',
    'ema_26',
    'rsi_14',
    'macd',
    'macd_signal',
    'macd_hist',
    'bb_width',
    'bb_percent_b',
    'atr_14',
    'stoch_k_14',
    'stoch_d_14',
    'adx_14',
    'returns_1',
    'returns_5',
    'returns_20',
    'volatility_20',
    'zscore_20',
    'momentum_10',
    'momentum_20',
    'dow_sin',
    'dow_cos',
  ];
  return timeframe === '1d' ? names : [...names, 'hour_sin', 'hour_cos'];
}
