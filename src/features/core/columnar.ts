import type { BarSeries, ColumnarSeries } from './types';
import { OPTIONAL_COLUMNS } from './types';

/** The plain-array BarSeries the catalogue computes on (NaN back to null). */
export function toBarSeries(c: ColumnarSeries): BarSeries {
  const series: BarSeries = {
    symbol: c.symbol,
    timeframe: c.timeframe,
    timestamps: Array.from(c.timestamps),
    close: Array.from(c.close),
  };
  for (const col of OPTIONAL_COLUMNS) {
    const values = c[col];
    if (values) series[col] = Array.from(values, (v) => (Number.isNaN(v) ? null : v));
  }
  return series;
}

/** The ArrayBuffers of a columnar series, for a postMessage transfer list. */
export function columnarBuffers(c: ColumnarSeries): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const a of [c.timestamps, c.close, c.open, c.high, c.low, c.volume]) {
    if (a && a.buffer instanceof ArrayBuffer && !out.includes(a.buffer)) out.push(a.buffer);
  }
  return out;
}
