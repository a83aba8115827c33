import { buildDataset } from '../../features/core';
import { trainingHistograms } from './training-histograms';

describe('training histograms', () => {
  it('are deciles of the raw (unscaled) training values of each sample bar, summing to 1', () => {
    const n = 600;
    const timestamps = Array.from({ length: n }, (_, i) => Date.UTC(2020, 0, 1) + i * 86_400_000);
    const close = Array.from({ length: n }, (_, i) => 1 + 0.1 * Math.sin(i / 7) + i * 1e-4);
    const dataset = buildDataset({
      series: [{ symbol: 'EUR/USD', timeframe: '1d', timestamps, close }],
      features: ['sma_5', 'returns_1'],
      target: 'price_change_1d',
      window: 5,
      validationSplit: 0.2,
      testSplit: 0.2,
      scaler: 'zscore',
    });
    const h = trainingHistograms(dataset);
    expect(Object.keys(h).sort()).toEqual(['returns_1', 'sma_5']);
    for (const f of Object.values(h)) {
      expect(f.edges).toHaveLength(9);
      expect(f.proportions).toHaveLength(10);
      expect(f.proportions.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      for (const p of f.proportions) expect(p).toBeGreaterThan(0.05);
    }
    // Raw scale, not z-scores: sma_5 of prices near 1.0–1.2 has its deciles in that range.
    expect(h.sma_5.edges[0]).toBeGreaterThan(0.8);
    expect(h.sma_5.edges[8]).toBeLessThan(1.3);
  });
});
