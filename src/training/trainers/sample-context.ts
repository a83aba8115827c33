import type { BarSeries, DatasetPart } from '../../features/core';

/**
 * Per sample: the close at its time (for costs) and the last realised H-bar change known at
 * that time (close[t] vs close[t−H]: only bars at or before t), for the naive_last baseline.
 */
export function sampleContext(part: DatasetPart, series: BarSeries[], horizon: number, log: boolean) {
  // A binary search in the (strictly ascending) timestamps, not a Map of every bar: on two
  // million bars building that Map held the event loop for seconds, once per call.
  const bySymbol = new Map(series.map((s) => [s.symbol, s]));
  const price = new Array<number>(part.count);
  const lastChange = new Array<number | null>(part.count);
  for (let k = 0; k < part.count; k++) {
    const s = bySymbol.get(part.symbols[k])!;
    const i = indexOf(s.timestamps, part.timestamps[k]);
    price[k] = s.close[i];
    lastChange[k] = i - horizon >= 0 ? (log ? Math.log(s.close[i] / s.close[i - horizon]) : s.close[i] / s.close[i - horizon] - 1) : null;
  }
  return { price, lastChange };
}

function indexOf(sorted: readonly number[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
