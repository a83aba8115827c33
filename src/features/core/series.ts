import { InvalidSeriesError, MissingColumnError } from './errors';
import type { BarSeries, Column } from './types';
import { OPTIONAL_COLUMNS } from './types';

/**
 * Checks the invariants every computation here relies on, once, so indicators never see
 * misaligned columns or unordered time: equal lengths, strictly ascending finite
 * timestamps, finite positive closes (prices; log returns need > 0).
 */
export function validateSeries(series: BarSeries): void {
  const { symbol, timestamps, close } = series;
  const n = timestamps.length;
  if (close.length !== n) {
    throw new InvalidSeriesError(symbol, `close has ${close.length} values but there are ${n} timestamps`);
  }
  for (const col of OPTIONAL_COLUMNS) {
    const values = series[col];
    if (values !== undefined && values.length !== n) {
      throw new InvalidSeriesError(symbol, `${col} has ${values.length} values but there are ${n} timestamps`);
    }
  }
  for (let i = 0; i < n; i++) {
    const t = timestamps[i];
    if (!Number.isFinite(t)) throw new InvalidSeriesError(symbol, `timestamp at index ${i} is not a number`);
    if (i > 0 && t <= timestamps[i - 1]) {
      throw new InvalidSeriesError(
        symbol,
        `timestamps must be strictly ascending; index ${i} (${t}) follows ${timestamps[i - 1]}`,
      );
    }
    const c = close[i];
    if (typeof c !== 'number' || !Number.isFinite(c) || c <= 0) {
      throw new InvalidSeriesError(
        symbol,
        `close at index ${i} (${new Date(t).toISOString()}) is not a positive finite price`,
      );
    }
  }
}

/**
 * The values of `column` as plain numbers, for a feature that needs it. A column that is
 * absent (or entirely null) and one with a hole both raise MissingColumnError naming the
 * feature: an indicator fed a hole would silently produce NaN from there on.
 */
export function requireColumn(series: BarSeries, column: Column, feature: string): number[] {
  if (column === 'close') return series.close;
  const values = series[column];
  if (values === undefined || values.every((v) => v === null || v === undefined)) {
    throw new MissingColumnError(feature, column, series.symbol);
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new MissingColumnError(
        feature,
        column,
        series.symbol,
        `has no value at index ${i} (${new Date(series.timestamps[i]).toISOString()})`,
      );
    }
  }
  return values as number[];
}

/** A half-open run of bar indices [start, end) with no time gap longer than the tolerance. */
export interface Segment {
  start: number;
  end: number;
}

/**
 * Splits a timeline into runs where consecutive bars are at most `maxGapMs` apart. A window
 * or a target spanning a longer gap (a missing month) would mix two unrelated market states,
 * so the dataset builder computes features, targets and windows per run.
 */
export function splitAtGaps(timestamps: readonly number[], maxGapMs: number): Segment[] {
  const segments: Segment[] = [];
  if (timestamps.length === 0) return segments;
  let start = 0;
  for (let i = 1; i < timestamps.length; i++) {
    if (timestamps[i] - timestamps[i - 1] > maxGapMs) {
      segments.push({ start, end: i });
      start = i;
    }
  }
  segments.push({ start, end: timestamps.length });
  return segments;
}

/** The bars [start, end) of a series as a series of its own (columns sliced alike). */
export function sliceSeries(series: BarSeries, start: number, end: number): BarSeries {
  const out: BarSeries = {
    symbol: series.symbol,
    timeframe: series.timeframe,
    timestamps: series.timestamps.slice(start, end),
    close: series.close.slice(start, end),
  };
  for (const col of OPTIONAL_COLUMNS) {
    const values = series[col];
    if (values !== undefined) out[col] = values.slice(start, end);
  }
  return out;
}
