/**
 * Return-based features. Rolling statistics come from technicalindicators (SMA, SD, ROC);
 * only the log-return transform itself, which the library does not offer, is written here.
 * Standard deviations are population (divide by N), the library's and Bollinger's convention.
 */
import { ROC, SD, SMA } from 'technicalindicators';
import type { FeatureColumn } from '../types';
import type { FeatureDefinition } from './definition';
import { alignRight, FLAT_RELATIVE, periodParam } from './definition';

/**
 * The library's rolling SD sums over its whole window for every bar: cost grows with N
 * (measured ~50 ns per window bar against ~1 µs for a streaming indicator).
 */
function windowScanCost(n: number): number {
  return 1 + n / 20;
}

/** ln(close[t] / close[t - lag]) for t >= lag; null before. */
function logReturns(close: readonly number[], lag: number): FeatureColumn {
  const out: FeatureColumn = new Array<number | null>(close.length).fill(null);
  for (let t = lag; t < close.length; t++) out[t] = Math.log(close[t] / close[t - lag]);
  return out;
}

export const DERIVED_FEATURES: FeatureDefinition[] = [
  {
    pattern: 'returns_{N}',
    group: 'returns',
    parameters: [periodParam('bars spanned by the return', 1, 1, 1000)],
    fixed: {},
    columns: ['close'],
    description: 'Log return over the last N bars: ln(close[t] / close[t-N]).',
    warmupRule: 'N',
    warmup: ({ N }) => N,
    compute: (input, { N }) => logReturns(input.column('close'), N),
  },
  {
    pattern: 'volatility_{N}',
    group: 'volatility',
    parameters: [periodParam('1-bar log returns in the rolling window', 20, 2, 1000)],
    fixed: {},
    columns: ['close'],
    description: 'Rolling population standard deviation of the last N one-bar log returns (per-bar, not annualised).',
    warmupRule: 'N',
    warmup: ({ N }) => N,
    cost: ({ N }) => windowScanCost(N),
    compute: (input, { N }) => {
      const close = input.column('close');
      const r1 = logReturns(close, 1).slice(1) as number[];
      return alignRight(SD.calculate({ period: N, values: r1 }), close.length);
    },
  },
  {
    pattern: 'zscore_{N}',
    group: 'mean_reversion',
    parameters: [periodParam('bars in the rolling mean and standard deviation', 20, 2, 1000)],
    fixed: {},
    columns: ['close'],
    description:
      '(close - rolling mean) / rolling population std over the last N bars, the bar itself included; 0 when the window is flat.',
    warmupRule: 'N - 1',
    warmup: ({ N }) => N - 1,
    cost: ({ N }) => windowScanCost(N),
    compute: (input, { N }) => {
      const close = input.column('close');
      const mean = SMA.calculate({ period: N, values: close });
      const sd = SD.calculate({ period: N, values: close });
      const offset = close.length - mean.length;
      const z = mean.map((m, i) => (sd[i] <= FLAT_RELATIVE * Math.abs(m) ? 0 : (close[offset + i] - m) / sd[i]));
      return alignRight(z, close.length);
    },
  },
  {
    pattern: 'momentum_{N}',
    group: 'momentum',
    parameters: [periodParam('bars looked back', 10, 1, 1000)],
    fixed: {},
    columns: ['close'],
    description: 'Simple return over N bars: close[t] / close[t-N] - 1 (the library ROC / 100).',
    warmupRule: 'N',
    warmup: ({ N }) => N,
    compute: (input, { N }) => {
      const close = input.column('close');
      return alignRight(
        ROC.calculate({ period: N, values: close }).map((roc) => roc / 100),
        close.length,
      );
    },
  },
];
