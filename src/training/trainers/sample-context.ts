import type { BarSeries, DatasetPart } from '../../features/core';

/**
 * Per sample: the close at its time (for costs), the last realised H-bar change known at that
 * time (close[t] vs close[t−H]: only bars at or before t), for the naive_last baseline, and the
 * realised simple return close[t+H] / close[t] − 1 over the sample's horizon (the bar its
 * target reads, found by the part's targetEnd), which a classifier's backtest trades on.
 */
export function sampleContext(part: DatasetPart, series: BarSeries[], horizon: number, log: boolean) {
  // A binary search in the (strictly ascending) timestamps, not a Map of every bar: on two
  // million bars building that Map held the event loop for seconds, once per call.
  const bySymbol = new Map(series.map((s) => [s.symbol, s]));
  const price = new Array<number>(part.count);
  const lastChange = new Array<number | null>(part.count);
  const forwardReturn = new Float64Array(part.count);
  for (let k = 0; k < part.count; k++) {
    const s = bySymbol.get(part.symbols[k])!;
    const i = indexOf(s.timestamps, part.timestamps[k]);
    price[k] = s.close[i];
    lastChange[k] =
      i - horizon >= 0
        ? log
          ? Math.log(s.close[i] / s.close[i - horizon])
          : s.close[i] / s.close[i - horizon] - 1
        : null;
    const end = indexOf(s.timestamps, part.targetEnd[k]);
    forwardReturn[k] = s.timestamps[end] === part.targetEnd[k] ? s.close[end] / s.close[i] - 1 : 0;
  }
  return { price, lastChange, forwardReturn };
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
