/**
 * Classic technical indicators. Every computation is delegated to `technicalindicators`
 * (never re-implemented here); this file only maps catalogue parameters onto the library's
 * inputs and aligns its outputs to the series' timestamps.
 *
 * All of them are causal: the library consumes bars in time order and emits the value of
 * bar t from bars <= t (tested in compute.spec.ts).
 */
import { ADX, ATR, AverageGain, AverageLoss, BollingerBands, EMA, MACD, SMA, Stochastic } from 'technicalindicators';
import type { FeatureDefinition } from './definition';
import { adxWithRestarts } from './adx-restart';
import { alignRight, FLAT_RELATIVE, periodParam, recursiveMemory } from './definition';

const MACD_FIXED = { fast: 12, slow: 26, signal: 9 };
const BB_FIXED = { period: 20, stdDevs: 2 };
const STOCH_D_PERIOD = 3;

function macd(close: number[]) {
  return MACD.calculate({
    values: close,
    fastPeriod: MACD_FIXED.fast,
    slowPeriod: MACD_FIXED.slow,
    signalPeriod: MACD_FIXED.signal,
    // EMAs for both lines, as Appel defined MACD and as StockCharts/TA-Lib compute it.
    SimpleMAOscillator: false,
    SimpleMASignal: false,
  });
}

function bollinger(close: number[]) {
  return BollingerBands.calculate({ values: close, period: BB_FIXED.period, stdDev: BB_FIXED.stdDevs });
}

/** Bands of a flat window: their width is round-off of the running mean, not volatility. */
function collapsed(b: { upper: number; lower: number; middle: number }): boolean {
  return b.upper - b.lower <= 4 * FLAT_RELATIVE * Math.abs(b.middle);
}

/** Rows of MACD output before its line exists, and before the signal exists. */
const MACD_WARMUP = MACD_FIXED.slow - 1;
const MACD_SIGNAL_WARMUP = MACD_WARMUP + MACD_FIXED.signal - 1;
/** The slow EMA's seed forgotten; for the signal, the signal EMA's seed too. */
const MACD_MEMORY = MACD_WARMUP + recursiveMemory(2 / (MACD_FIXED.slow + 1));
const MACD_SIGNAL_MEMORY = MACD_MEMORY + MACD_FIXED.signal - 1 + recursiveMemory(2 / (MACD_FIXED.signal + 1));
/** Bands from a 20-bar rolling SD that the library rescans for every bar (~5 µs a value here). */
const BOLLINGER_COST = 3;

export const INDICATOR_FEATURES: FeatureDefinition[] = [
  {
    pattern: 'sma_{N}',
    group: 'trend',
    parameters: [periodParam('bars averaged', 20, 2, 1000)],
    fixed: {},
    columns: ['close'],
    description: 'Simple moving average of close over the last N bars (price units).',
    warmupRule: 'N - 1',
    warmup: ({ N }) => N - 1,
    compute: (input, { N }) => {
      const close = input.column('close');
      return alignRight(SMA.calculate({ period: N, values: close }), close.length);
    },
  },
  {
    pattern: 'ema_{N}',
    group: 'trend',
    parameters: [periodParam('EMA span (multiplier 2/(N+1))', 20, 2, 1000)],
    fixed: {},
    columns: ['close'],
    description: 'Exponential moving average of close, seeded with the SMA of the first N bars (price units).',
    warmupRule: 'N - 1',
    warmup: ({ N }) => N - 1,
    memory: ({ N }) => N - 1 + recursiveMemory(2 / (N + 1)),
    compute: (input, { N }) => {
      const close = input.column('close');
      return alignRight(EMA.calculate({ period: N, values: close }), close.length);
    },
  },
  {
    pattern: 'rsi_{N}',
    group: 'momentum',
    parameters: [periodParam('Wilder smoothing period', 14, 2, 500)],
    fixed: {},
    columns: ['close'],
    description: "Wilder's relative strength index, 0..100.",
    warmupRule: 'N',
    warmup: ({ N }) => N,
    memory: ({ N }) => N + recursiveMemory(1 / N),
    compute: (input, { N }) => {
      // Built from the library's own Wilder average gain/loss rather than its RSI class,
      // because RSI.calculate rounds every value to 2 decimals (a quantised feature); the
      // smoothing itself stays the library's. 0 average loss -> 100, 0 average gain -> 0,
      // the same edge rules as the library's RSI.
      const close = input.column('close');
      const gains = AverageGain.calculate({ period: N, values: close });
      const losses = AverageLoss.calculate({ period: N, values: close });
      const rsi = gains.map((g, i) => {
        const l = losses[i];
        if (l === 0) return 100;
        if (g === 0) return 0;
        return 100 - 100 / (1 + g / l);
      });
      return alignRight(rsi, close.length);
    },
  },
  {
    pattern: 'macd',
    group: 'momentum',
    parameters: [],
    fixed: MACD_FIXED,
    columns: ['close'],
    description: 'MACD line: EMA(12) - EMA(26) of close (price units).',
    warmupRule: '25 (slow EMA - 1)',
    warmup: () => MACD_WARMUP,
    memory: () => MACD_MEMORY,
    cost: () => 3,
    compute: (input) => {
      const close = input.column('close');
      return alignRight(
        macd(close).map((r) => r.MACD ?? NaN),
        close.length,
      );
    },
  },
  {
    pattern: 'macd_signal',
    group: 'momentum',
    parameters: [],
    fixed: MACD_FIXED,
    columns: ['close'],
    description: 'MACD signal line: EMA(9) of the MACD line (price units).',
    warmupRule: '33 (slow EMA - 1 + signal - 1)',
    warmup: () => MACD_SIGNAL_WARMUP,
    memory: () => MACD_SIGNAL_MEMORY,
    cost: () => 3,
    compute: (input) => {
      const close = input.column('close');
      return alignRight(
        macd(close).map((r) => r.signal ?? NaN),
        close.length,
      );
    },
  },
  {
    pattern: 'macd_hist',
    group: 'momentum',
    parameters: [],
    fixed: MACD_FIXED,
    columns: ['close'],
    description: 'MACD histogram: MACD line - signal line (price units).',
    warmupRule: '33 (slow EMA - 1 + signal - 1)',
    warmup: () => MACD_SIGNAL_WARMUP,
    memory: () => MACD_SIGNAL_MEMORY,
    cost: () => 3,
    compute: (input) => {
      const close = input.column('close');
      return alignRight(
        macd(close).map((r) => r.histogram ?? NaN),
        close.length,
      );
    },
  },
  {
    pattern: 'bb_width',
    group: 'volatility',
    parameters: [],
    fixed: BB_FIXED,
    columns: ['close'],
    description:
      'Bollinger BandWidth: (upper - lower) / middle for 20-bar, 2-sigma bands (population sigma); a unitless fraction (StockCharts BandWidth / 100). 0 when the window is flat.',
    warmupRule: '19 (period - 1)',
    warmup: () => BB_FIXED.period - 1,
    cost: () => BOLLINGER_COST,
    compute: (input) => {
      const close = input.column('close');
      return alignRight(
        bollinger(close).map((b) => (collapsed(b) ? 0 : (b.upper - b.lower) / b.middle)),
        close.length,
      );
    },
  },
  {
    pattern: 'bb_percent_b',
    group: 'volatility',
    parameters: [],
    fixed: BB_FIXED,
    columns: ['close'],
    description:
      'Bollinger %B: (close - lower) / (upper - lower) for 20-bar, 2-sigma bands; 0 at the lower band, 1 at the upper. 0.5 when the bands collapse (flat prices).',
    warmupRule: '19 (period - 1)',
    warmup: () => BB_FIXED.period - 1,
    cost: () => BOLLINGER_COST,
    compute: (input) => {
      const close = input.column('close');
      return alignRight(
        bollinger(close).map((b) => (collapsed(b) ? 0.5 : b.pb)),
        close.length,
      );
    },
  },
  {
    pattern: 'atr_{N}',
    group: 'volatility',
    parameters: [periodParam('Wilder smoothing period', 14, 2, 500)],
    fixed: {},
    columns: ['high', 'low', 'close'],
    description:
      "Wilder's average true range (price units). Seeded with the mean of the first N true ranges that have a previous close (the first bar is skipped, as TA-Lib does).",
    warmupRule: 'N',
    warmup: ({ N }) => N,
    memory: ({ N }) => N + recursiveMemory(1 / N),
    compute: (input, { N }) => {
      const high = input.column('high');
      const low = input.column('low');
      const close = input.column('close');
      return alignRight(ATR.calculate({ period: N, high, low, close }), close.length);
    },
  },
  {
    pattern: 'stoch_k_{N}',
    group: 'momentum',
    parameters: [periodParam('look-back bars for the high-low range', 14, 2, 500)],
    fixed: {},
    columns: ['high', 'low', 'close'],
    description:
      'Fast stochastic %K: 100 * (close - lowest low) / (highest high - lowest low) over N bars, 0..100 (0 when the range is flat, the library convention).',
    warmupRule: 'N - 1',
    warmup: ({ N }) => N - 1,
    cost: () => 3,
    compute: (input, { N }) => {
      const high = input.column('high');
      const low = input.column('low');
      const close = input.column('close');
      const out = Stochastic.calculate({ period: N, signalPeriod: STOCH_D_PERIOD, high, low, close });
      return alignRight(
        out.map((r) => r.k),
        close.length,
      );
    },
  },
  {
    pattern: 'stoch_d_{N}',
    group: 'momentum',
    parameters: [periodParam('look-back bars of the %K it smooths', 14, 2, 500)],
    fixed: { smoothing: STOCH_D_PERIOD },
    columns: ['high', 'low', 'close'],
    description: 'Stochastic %D: 3-bar simple average of %K(N), 0..100.',
    warmupRule: 'N + 1 (N - 1 + 3 - 1)',
    warmup: ({ N }) => N - 1 + STOCH_D_PERIOD - 1,
    cost: () => 3,
    compute: (input, { N }) => {
      const high = input.column('high');
      const low = input.column('low');
      const close = input.column('close');
      const out = Stochastic.calculate({ period: N, signalPeriod: STOCH_D_PERIOD, high, low, close });
      return alignRight(
        out.map((r) => r.d ?? NaN),
        close.length,
      );
    },
  },
  {
    pattern: 'adx_{N}',
    group: 'trend',
    parameters: [periodParam('Wilder smoothing period', 14, 2, 500)],
    fixed: {},
    columns: ['high', 'low', 'close'],
    description:
      "Wilder's average directional index, 0..100 (trend strength, not direction). Where the first N bars of a computation carry no directional movement (a flat start), it starts again after them.",
    warmupRule: '2N - 1',
    warmup: ({ N }) => 2 * N - 1,
    // Wilder-smoothed DM/TR, then a Wilder average of DX: two seeds to forget.
    memory: ({ N }) => 2 * N - 1 + 2 * recursiveMemory(1 / N),
    compute: (input, { N }) => {
      const high = input.column('high');
      const low = input.column('low');
      const close = input.column('close');
      return adxWithRestarts(high, low, close, N, (h, l, c) =>
        ADX.calculate({ period: N, high: h, low: l, close: c }).map((r) => r.adx),
      );
    },
  },
];
