/**
 * Walk-forward folds: boundaries computed by hand for expanding and rolling windows, steps in
 * bars and as durations, the errors a request gets, and the fold datasets the builder makes.
 */
import { InvalidDatasetConfigError } from '../errors';
import { syntheticSeries } from '../testing/synthetic';
import { buildDataset, planDataset } from './builder';
import type { DatasetConfig } from './config';
import { walkForwardFolds } from './walk-forward';

const bars = (n: number) => Array.from({ length: n }, (_, i) => i);
const D = { purge: 5, minTrainBars: 7 };
const f = (fold: number, trainStart: number, trainEnd: number, testStart: number, testEnd: number) => ({
  fold,
  trainStart,
  trainEnd,
  testStart,
  testEnd,
});

describe('walkForwardFolds', () => {
  it('expanding, default step floor(n / (N + 1)) = 25 of 100 bars, purge 5: the last 75 bars in three blocks', () => {
    expect(walkForwardFolds(bars(100), { folds: 3, trainWindow: 'expanding' }, D)).toEqual([
      f(1, 0, 20, 25, 50),
      f(2, 0, 45, 50, 75),
      f(3, 0, 70, 75, 100),
    ]);
  });

  it("rolling: by default every window is as long as the first fold's (25 − 5 = 20 bars); or train_bars", () => {
    expect(walkForwardFolds(bars(100), { folds: 3, trainWindow: 'rolling' }, D)).toEqual([
      f(1, 0, 20, 25, 50),
      f(2, 25, 45, 50, 75),
      f(3, 50, 70, 75, 100),
    ]);
    expect(walkForwardFolds(bars(100), { folds: 3, trainWindow: 'rolling', trainBars: 10 }, D)).toEqual([
      f(1, 10, 20, 25, 50),
      f(2, 35, 45, 50, 75),
      f(3, 60, 70, 75, 100),
    ]);
  });

  it('a step of 10 bars and a purge of 2: blocks [70, 80), [80, 90), [90, 100)', () => {
    expect(walkForwardFolds(bars(100), { folds: 3, trainWindow: 'expanding', step: 10, purge: 2 }, D)).toEqual([
      f(1, 0, 68, 70, 80),
      f(2, 0, 78, 80, 90),
      f(3, 0, 88, 90, 100),
    ]);
  });

  it('a step given as a duration cuts the blocks in time: 20 h on hourly bars 0..99 h', () => {
    const hour = 3_600_000;
    const times = bars(100).map((i) => i * hour);
    // End = 99 h + 1 ms; blocks start at the first bar at or after end − 60 h, − 40 h, − 20 h.
    expect(walkForwardFolds(times, { folds: 3, trainWindow: 'expanding', stepMs: 20 * hour }, D)).toEqual([
      f(1, 0, 35, 40, 60),
      f(2, 0, 55, 60, 80),
      f(3, 0, 75, 80, 100),
    ]);
    // Bars missing from 50 h to 79 h: fold 2's block (60 h – 79 h) would be empty.
    const gappy = times.filter((t) => t < 50 * hour || t >= 80 * hour);
    expect(() => walkForwardFolds(gappy, { folds: 3, trainWindow: 'expanding', stepMs: 20 * hour }, D)).toThrow(
      /fold 2's test block holds no bar/,
    );
  });

  it('refuses too few folds, too many for the data, a rolling window too short or too long, train_bars on an expanding window', () => {
    const err = (spec: Parameters<typeof walkForwardFolds>[1]) => {
      try {
        walkForwardFolds(bars(100), spec, D);
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidDatasetConfigError);
        return (e as InvalidDatasetConfigError).details;
      }
      throw new Error('no error');
    };
    expect(err({ folds: 1, trainWindow: 'expanding' })).toMatchObject({ field: 'evaluation.folds' });
    // 30 folds: a step of 3, the first block at 10: 5 bars left after the purge, under 7.
    expect(err({ folds: 30, trainWindow: 'expanding' })).toMatchObject({
      field: 'evaluation.folds',
      reason: expect.stringMatching(/leave 5 bars before the first test block/),
    });
    expect(err({ folds: 200, trainWindow: 'expanding' })).toMatchObject({
      field: 'evaluation.folds',
      reason: expect.stringMatching(/too many/),
    });
    expect(err({ folds: 3, trainWindow: 'expanding', step: 40 })).toMatchObject({ field: 'evaluation.step' });
    expect(err({ folds: 3, trainWindow: 'rolling', trainBars: 6 })).toMatchObject({
      field: 'evaluation.train_bars',
      reason: expect.stringMatching(/too short/),
    });
    expect(err({ folds: 3, trainWindow: 'rolling', trainBars: 21 })).toMatchObject({
      field: 'evaluation.train_bars',
      reason: expect.stringMatching(/does not fit/),
    });
    expect(err({ folds: 3, trainWindow: 'expanding', trainBars: 10 })).toMatchObject({
      field: 'evaluation.train_bars',
    });
  });
});

describe('fold datasets', () => {
  const series = [
    syntheticSeries({ bars: 600, seed: 3, symbol: 'EUR/USD', skipWeekends: true }),
    syntheticSeries({ bars: 600, seed: 4, symbol: 'GBP/USD', skipWeekends: true }),
  ];
  const config: DatasetConfig = {
    series,
    features: ['returns_1', 'zscore_10'],
    target: 'price_change_3',
    window: 6,
    validationSplit: 0.2,
    testSplit: 0.15,
    scaler: 'zscore',
  };
  const spec = { folds: 3, trainWindow: 'rolling' as const, purge: 12 };

  it("each fold: test anchors inside its block; no training or validation target reaches the block; the plan gives the build's sizes", () => {
    const plan = planDataset({ ...config, walkForward: spec });
    expect(plan.folds).toHaveLength(3);
    expect(plan.test).toBe(0);
    let previousEnd = -Infinity;
    for (const p of plan.folds!) {
      const d = buildDataset({ ...config, walkForward: { ...spec, fold: p.fold } });
      expect({ train: d.train.count, validation: d.validation.count, test: d.test.count }).toEqual({
        train: p.train,
        validation: p.validation,
        test: p.test,
      });
      expect(Math.min(...d.test.timestamps)).toBe(p.test_start);
      expect(Math.max(...d.test.timestamps)).toBe(p.test_end);
      expect(Math.min(...d.train.timestamps)).toBeGreaterThanOrEqual(p.train_start);
      expect(Math.max(...d.validation.timestamps)).toBeLessThanOrEqual(p.train_end);
      expect(Math.max(...d.train.targetEnd, ...d.validation.targetEnd)).toBeLessThan(p.test_start);
      expect(p.test_start).toBeGreaterThan(previousEnd);
      expect(p.train_end).toBeLessThan(p.test_start);
      previousEnd = p.test_end;
      // Both symbols are tested in every block.
      expect(new Set(d.test.symbols)).toEqual(new Set(['EUR/USD', 'GBP/USD']));
    }
  });
});
