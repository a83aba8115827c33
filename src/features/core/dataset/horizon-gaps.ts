/**
 * Time-true horizons. Targets count bars (price_change_1h reads close[t + 1]), so on hourly bars
 * a Friday 21:00 sample's "1h" target is the 49-hour weekend return. A horizon spans a gap when
 * one step between consecutive bars inside it (bar t → t+1 → … → t+H) is longer than the
 * timeframe's normal step:
 *   - intraday bars (1m … 4h): two bars (one missing bar is tolerated; a weekend never is);
 *   - daily bars: three days, so Friday → Monday is normal and a weekend plus a holiday
 *     (Friday → Tuesday, Thursday → Monday) is a gap.
 * A step, not the whole horizon's elapsed time, is compared: a 10-bar horizon on daily bars
 * always spans two weekends and would otherwise always be flagged.
 * Steps longer than the dataset's gap rule (4 days) never occur inside a run: the builder cuts
 * the series there.
 */
import type { Timeframe } from '../../../market-data/timeframes';
import { timeframeMs } from '../../../market-data/timeframes';

export type HorizonGapPolicy = 'keep' | 'drop';
export const HORIZON_GAP_POLICIES: readonly HorizonGapPolicy[] = ['keep', 'drop'];

const DAY_MS = 86_400_000;

/** The longest step between consecutive bars that is normal for the timeframe (see above). */
export function normalStepMs(tf: Timeframe): number {
  return tf === '1d' ? 3 * DAY_MS : 2 * timeframeMs(tf);
}

/**
 * flags[r] = 1 where the horizon of the sample at row r (rows r .. r + H) contains a step longer
 * than the normal one; rows without a target bar (the last H) are 0.
 */
export function horizonGapFlags(timestamps: readonly number[], horizonBars: number, tf: Timeframe): Uint8Array {
  const n = timestamps.length;
  const limit = normalStepMs(tf);
  // long[i]: how many long steps end at or before row i (a prefix count).
  const long = new Int32Array(n);
  for (let i = 1; i < n; i++) long[i] = long[i - 1] + (timestamps[i] - timestamps[i - 1] > limit ? 1 : 0);
  const flags = new Uint8Array(n);
  for (let r = 0; r + horizonBars < n; r++) if (long[r + horizonBars] - long[r] > 0) flags[r] = 1;
  return flags;
}

/**
 * FX's weekly closure, conservatively: Friday 21:00 to Sunday 22:00 UTC (the close is 21:00
 * in northern summer, 22:00 in winter; the open on Sunday likewise), when no bar opens.
 */
function closed(ms: number): boolean {
  const d = new Date(ms);
  const day = d.getUTCDay();
  const hour = d.getUTCHours() + d.getUTCMinutes() / 60;
  return (day === 5 && hour >= 21) || day === 6 || (day === 0 && hour < 22);
}

/**
 * Serving: whether the horizon of a prediction made at bar `asOf` will span a gap, by the same
 * step rule, on the bars the FX calendar will bring (no bar during the weekly closure;
 * holidays are not known in advance). On daily bars the weekend is a normal step, so this is
 * never true there; on intraday bars it is true when the horizon reaches past Friday's close.
 */
export function servedHorizonSpansGap(asOf: number, horizonBars: number, tf: Timeframe): boolean {
  const bar = timeframeMs(tf);
  const limit = normalStepMs(tf);
  let t = asOf;
  for (let k = 0; k < horizonBars; k++) {
    let next = t + bar;
    // At most a closure's length of bars is skipped (49 h of 1-minute bars: 2 940 steps).
    while (closed(next)) next += bar;
    if (next - t > limit) return true;
    t = next;
  }
  return false;
}

/**
 * Serving's flag for the bar a stored series ends on: the FX week repeats, so when the series
 * holds the bar one week earlier and that bar's horizon, the answer is the training rule on
 * those bars (it follows the feed's own closing hours, summer or winter). Otherwise the
 * calendar rule above.
 */
export function servedHorizonGap(timestamps: readonly number[], horizonBars: number, tf: Timeframe): boolean {
  const n = timestamps.length;
  if (n === 0 || horizonBars < 1) return false;
  const asOf = timestamps[n - 1];
  const i = indexOf(timestamps, asOf - 7 * DAY_MS);
  if (i >= 0 && i + horizonBars < n - 1)
    return horizonGapFlags(timestamps.slice(i, i + horizonBars + 1), horizonBars, tf)[0] === 1;
  return servedHorizonSpansGap(asOf, horizonBars, tf);
}

function indexOf(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] === value) return mid;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
