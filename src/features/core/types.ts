import type { Timeframe } from '../../market-data/timeframes';

/** The price/volume columns a bar series may carry. `close` is the only one always present. */
export type Column = 'open' | 'high' | 'low' | 'close' | 'volume';
export const OPTIONAL_COLUMNS = ['open', 'high', 'low', 'volume'] as const;

/**
 * One symbol's bars at one timeframe, column-oriented (the shape market-data hands over and
 * the shape indicator libraries want). Close-only series are common (many FX feeds publish
 * only a mid close), so every other column is optional; a present column may hold `null`
 * for a bar the feed did not supply.
 */
export interface BarSeries {
  symbol: string;
  timeframe: Timeframe;
  /** Bar open times, ms since epoch UTC, strictly ascending. */
  timestamps: number[];
  open?: (number | null)[];
  high?: (number | null)[];
  low?: (number | null)[];
  close: number[];
  volume?: (number | null)[];
}

/** A computed column aligned to the series' timestamps; `null` where it has no value (warm-up). */
export type FeatureColumn = (number | null)[];

/**
 * A bar series in typed arrays, the shape bars travel in between threads (the buffers are
 * transferred, not copied). NaN marks a missing value in an optional column; an optional
 * column is present only when the range holds at least one value for it, as in BarSeries.
 */
export interface ColumnarSeries {
  symbol: string;
  timeframe: Timeframe;
  length: number;
  timestamps: Float64Array;
  close: Float64Array;
  open?: Float64Array;
  high?: Float64Array;
  low?: Float64Array;
  volume?: Float64Array;
}
