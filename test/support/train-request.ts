/**
 * The small daily time-series training request the e2e suites share (an LSTM on three
 * return/z-score features of EUR/USD dailies, 2000–2010, window 10, seed 7); each suite
 * spreads it and adds its own name, symbols, experiment or hyperparameters.
 */
export const DAILY_TIME_SERIES_REQUEST = {
  model_type: 'time_series',
  features: ['returns_1', 'returns_5', 'zscore_20'],
  target: 'price_change_1d',
  start_date: '2000-01-01T00:00:00Z',
  end_date: '2010-01-01T00:00:00Z',
  timeframe: '1d',
  window: 10,
  validation_split: 0.2,
  test_split: 0.2,
  seed: 7,
};
