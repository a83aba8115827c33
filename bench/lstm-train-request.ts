/**
 * The train request bench:predict and bench:soak both send: an LSTM(64) on EUR/USD daily bars
 * (the benches import them first), four features, window 30. Only the name, epochs, batch size,
 * seed and extra hyperparameters differ between the two benches.
 */
export const BENCH_FEATURES = ['returns_1', 'sma_20', 'rsi_14', 'zscore_20'];
export const BENCH_WINDOW = 30;

export function lstmTrainRequest(o: {
  name: string;
  epochs: number;
  batchSize: number;
  seed: number;
  modelId?: string;
  extra?: Record<string, unknown>;
}) {
  return {
    ...(o.modelId ? { model_id: o.modelId } : {}),
    name: o.name,
    model_type: 'time_series',
    architecture: 'lstm',
    features: BENCH_FEATURES,
    target: 'price_change_1d',
    symbols: ['EUR/USD'],
    timeframe: '1d',
    window: BENCH_WINDOW,
    start_date: '2000-01-01T00:00:00Z',
    end_date: '2030-01-01T00:00:00Z',
    validation_split: 0.15,
    test_split: 0.15,
    seed: o.seed,
    hyperparameters: { units: 64, epochs: o.epochs, batch_size: o.batchSize, ...o.extra },
  };
}
