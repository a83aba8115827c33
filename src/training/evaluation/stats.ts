/**
 * Small statistics shared by the evaluation metrics: checked input, mean, Pearson
 * correlation, average ranks. Pure functions over plain numbers; no allocation beyond
 * what the result needs, since they run on test parts of tens of thousands of samples.
 */

import { averageRanks } from '../../features/core/selection/rank';

/** Float64Array, number[] or any other indexable list of numbers. */
export type NumberList = ArrayLike<number>;

/**
 * Throws a RangeError naming the argument when a value is not a finite number. A NaN from a
 * diverged model must be reported as such, not averaged into a metric that looks plausible.
 */
export function assertFinite(values: NumberList, name: string): void {
  for (let i = 0; i < values.length; i++) {
    // v − v is 0 for a finite number and NaN for NaN or ±Infinity. Plain arithmetic, not
    // Number.isFinite: it runs over every input value (2.4M for 20k × 120) and a global
    // lookup per value is slow inside Jest's sandboxed globals.
    const v = values[i];
    if (v - v !== 0) throw new RangeError(`${name}[${i}] is not a finite number (${v})`);
  }
}

/** Two series scored against each other must be the same length, and not empty. */
export function assertSameLength(a: NumberList, b: NumberList, nameA: string, nameB: string): void {
  if (a.length !== b.length) throw new RangeError(`${nameA} has ${a.length} values but ${nameB} has ${b.length}`);
  if (a.length === 0) throw new RangeError(`${nameA} is empty: there is nothing to evaluate`);
}

export function mean(values: NumberList): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}

/**
 * True when every value equals the first. Tested exactly rather than through a variance,
 * because the mean of n identical floats can differ from them by rounding and leave a
 * tiny spurious "variance" that would turn a constant series into a noisy correlation.
 */
export function isConstant(values: NumberList): boolean {
  for (let i = 1; i < values.length; i++) if (values[i] !== values[0]) return false;
  return true;
}

/**
 * Pearson correlation, or null when it is undefined (fewer than two values, or either
 * series constant). Two-pass (means first) for accuracy on series with a large offset.
 */
export function pearson(a: NumberList, b: NumberList): number | null {
  const n = a.length;
  if (n < 2 || isConstant(a) || isConstant(b)) return null;
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return null;
  // Rounding can push |r| a hair past 1 for perfectly (anti)correlated series.
  return Math.max(-1, Math.min(1, sab / Math.sqrt(saa * sbb)));
}

/** Average ("fractional") ranks, as scipy.stats.rankdata: one implementation, in the features core. */
export { averageRanks };

/** Spearman's rank correlation: Pearson on average ranks, so ties are handled exactly. */
export function spearman(a: NumberList, b: NumberList): number | null {
  if (a.length < 2 || isConstant(a) || isConstant(b)) return null;
  return pearson(averageRanks(a), averageRanks(b));
}
