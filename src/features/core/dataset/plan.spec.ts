/**
 * planDataset: the part sizes a training submission checks before it queues a job, from the
 * timestamps alone. They must be the sizes buildDataset then produces, on the shapes that
 * matter (gaps, weekends, several symbols, targets with look-back), and it must fail the same
 * way when the data is too short.
 */
import fc from 'fast-check';
import { timeframeMs } from '../../../market-data/timeframes';
import { InsufficientDataError, MissingColumnError } from '../errors';
import { syntheticSeries } from '../testing/synthetic';
import type { BarSeries } from '../types';
import { buildDataset, planDataset } from './builder';
import type { DatasetConfig } from './config';

const HOUR = timeframeMs('1h');

function sizes(c: DatasetConfig) {
  const d = buildDataset(c);
  return { train: d.train.count, validation: d.validation.count, test: d.test.count };
}

describe('planDataset', () => {
  it('gives the part sizes the build produces, over random gaps, windows, horizons, features and symbols', () => {
    fc.assert(
      fc.property(
        fc.record({
          symbols: fc.integer({ min: 1, max: 2 }),
          bars: fc.integer({ min: 150, max: 400 }),
          seed: fc.integer({ min: 1, max: 1e6 }),
          gapAt: fc.integer({ min: 20, max: 380 }),
          gapHours: fc.constantFrom(1, 30, 24 * 10),
          window: fc.integer({ min: 1, max: 12 }),
          features: fc.subarray(
            ['sma_20', 'rsi_14', 'returns_1', 'macd_signal', 'atr_14', 'adx_5', 'zscore_10', 'hour_sin'],
            { minLength: 1 },
          ),
          target: fc.constantFrom('log_return_1', 'price_change_3', 'direction_2', 'regime'),
        }),
        ({ symbols, bars, seed, gapAt, gapHours, window, features, target }) => {
          const series: BarSeries[] = Array.from({ length: symbols }, (_, k) => {
            const s = syntheticSeries({ bars, seed: seed + k, symbol: ['EUR/USD', 'GBP/USD'][k], skipWeekends: true });
            return { ...s, timestamps: s.timestamps.map((t, i) => (i >= gapAt ? t + gapHours * HOUR : t)) };
          });
          const c: DatasetConfig = {
            series,
            features,
            target,
            window,
            validationSplit: 0.2,
            testSplit: 0.15,
            scaler: 'zscore',
          };
          let built: ReturnType<typeof sizes> | string;
          try {
            built = sizes(c);
          } catch (e) {
            built = (e as Error).message;
          }
          let planned: ReturnType<typeof sizes> | string;
          try {
            const p = planDataset(c);
            planned = { train: p.train, validation: p.validation, test: p.test };
          } catch (e) {
            planned = (e as Error).message;
          }
          expect(planned).toEqual(built);
        },
      ),
      { numRuns: 40, seed: 7 },
    );
  });

  it('fails as the build does: too few bars, a missing column', () => {
    const short = syntheticSeries({ bars: 30, seed: 1, closeOnly: true });
    expect(() =>
      planDataset({
        series: [short],
        features: ['sma_20'],
        target: 'log_return_1',
        window: 10,
        validationSplit: 0.2,
        testSplit: 0.2,
        scaler: 'zscore',
      }),
    ).toThrow(InsufficientDataError);
    expect(() =>
      planDataset({
        series: [short],
        features: ['atr_14'],
        target: 'log_return_1',
        window: 2,
        validationSplit: 0.2,
        testSplit: 0.2,
        scaler: 'zscore',
      }),
    ).toThrow(MissingColumnError);
  });
});
