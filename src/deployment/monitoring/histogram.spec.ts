import {
  bucketQuantile,
  equalWidthHistogram,
  extractPredictions,
  LATENCY_BUCKETS_MS,
  latencyBucket,
  sampleQuantile,
} from './histogram';
import { sanitizeInputs } from './monitoring-aggregate';

describe('monitoring histograms', () => {
  it('puts latencies in fixed right-closed buckets with an overflow bucket', () => {
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(1)).toBe(0);
    expect(latencyBucket(1.01)).toBe(1);
    expect(latencyBucket(20)).toBe(4);
    expect(latencyBucket(1e6)).toBe(LATENCY_BUCKETS_MS.length);
  });

  it('estimates quantiles from bucket counts by linear interpolation', () => {
    const counts = new Array(LATENCY_BUCKETS_MS.length + 1).fill(0);
    counts[4] = 100; // (10, 25]
    expect(bucketQuantile(counts, 0.5)).toBeCloseTo(17.5, 9);
    expect(bucketQuantile(new Array(14).fill(0), 0.5)).toBeNull();
  });

  it('sample quantiles interpolate like numpy', () => {
    expect(sampleQuantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(sampleQuantile([1, 2, 3, 4], 0.95)).toBeCloseTo(3.85, 9);
    expect(equalWidthHistogram([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 10)!.counts).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 2]);
  });

  it('finds predictions in the shapes the prediction module returns', () => {
    expect(
      extractPredictions({ prediction: { target: 'price_change_1d', value: 0.002, horizon_bars: 1 }, signal: 0.004 }),
    ).toEqual({ numbers: [0.002], labels: [] });
    expect(
      extractPredictions({ prediction: { class: 'up', probabilities: { up: 0.7, down: 0.3 } }, signal: 0.4 }),
    ).toEqual({ numbers: [], labels: ['up'] });
    expect(extractPredictions({ prediction: { score: 3.2, is_anomaly: true } })).toEqual({
      numbers: [3.2],
      labels: [],
    });
    expect(extractPredictions([1, 2, 'x'])).toEqual({ numbers: [1, 2], labels: ['x'] });
  });

  it('normalises inputs: {features} or a plain feature map, finite numbers only', () => {
    expect(sanitizeInputs({ symbol: 'EUR/USD', timeframe: '1d', features: { a: [1, NaN, 2], b: 'x' } })).toEqual({
      symbol: 'EUR/USD',
      timeframe: '1d',
      features: { a: [1, 2] },
    });
    expect(sanitizeInputs({ a: [1, 2] })).toEqual({ features: { a: [1, 2] } });
    expect(sanitizeInputs(null)).toEqual({ features: {} });
  });
});
