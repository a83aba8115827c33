/**
 * ADX that survives a flat start. The library seeds its Wilder sums of +DM, -DM and true
 * range with the first N bars; when those carry no directional movement the seed is 0, DX is
 * 0/0 = NaN, and its average stays NaN for the rest of the series (one quiet, forward-filled
 * stretch at the beginning would null the feature for years). The values are still the
 * library's: this only chooses where a computation starts. When a run of the library yields a
 * non-finite value, the computation starts again N bars before the next bar that has
 * directional movement, so the new seed contains it; rows in between stay null.
 */
import type { FeatureColumn } from '../types';
import { alignRight } from './definition';

/** The library's rule for a bar with directional movement (+DM or -DM > 0). */
function moves(high: readonly number[], low: readonly number[], i: number): boolean {
  const up = high[i] - high[i - 1];
  const down = low[i - 1] - low[i];
  return (up > down && up > 0) || (down > up && down > 0);
}

export function adxWithRestarts(
  high: number[],
  low: number[],
  close: number[],
  period: number,
  adx: (high: number[], low: number[], close: number[]) => number[],
): FeatureColumn {
  const n = close.length;
  const warmup = 2 * period - 1;
  const out: FeatureColumn = new Array<number | null>(n).fill(null);
  let start = 0;
  while (n - start > warmup) {
    const values = alignRight(adx(high.slice(start), low.slice(start), close.slice(start)), n - start);
    // After the warm-up, a null is the library's NaN state: it lasts to the end of this run.
    let poisoned = -1;
    for (let i = warmup; i < values.length; i++) {
      if (values[i] === null) {
        poisoned = start + i;
        break;
      }
      out[start + i] = values[i];
    }
    if (poisoned < 0) break;
    // The bars that fed the NaN (the seed, or a flat stretch) had no movement: the next
    // computation's seed window ends at the first bar that has some.
    let next = poisoned - warmup + 1;
    while (next < n && !moves(high, low, next)) next++;
    start = Math.max(start + 1, next - period);
  }
  return out;
}
