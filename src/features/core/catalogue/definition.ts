import type { BarSeries, Column, FeatureColumn } from '../types';

/** One integer parameter of a feature name, e.g. N in `sma_{N}`. */
export interface ParameterSpec {
  name: string;
  description: string;
  default: number;
  min: number;
  max: number;
}

/** What an indicator receives: the validated series and a checked accessor for its columns. */
export interface FeatureInput {
  series: BarSeries;
  /** The column as numbers; raises MissingColumnError (naming the feature) if absent or holed. */
  column(column: Column): number[];
}

/**
 * A catalogue entry. `pattern` is the name with `{PARAM}` placeholders (`sma_{N}`); fixed
 * parameters (MACD's 12/26/9) are part of the definition, not of the name, so one name always
 * means one computation.
 */
export interface FeatureDefinition {
  pattern: string;
  /** Short group label for the catalogue listing (trend, momentum, volatility, …). */
  group: string;
  parameters: ParameterSpec[];
  fixed: Record<string, number>;
  columns: Column[];
  description: string;
  /** Human-readable warm-up rule, e.g. `N - 1`; `warmup` is its executable form. */
  warmupRule: string;
  /** Leading rows that are null on a series with enough bars: the row of the first value. */
  warmup(params: Record<string, number>): number;
  /**
   * Bars before a row that its value depends on, beyond round-off: the warm-up for a finite
   * window; for recursive smoothing (EMA, Wilder) the bars after which the seed's weight is
   * below SEED_WEIGHT (see `recursiveMemory`). Computing a row from this many earlier bars
   * gives the full-history value within the tolerance the span tests pin. Default: `warmup`.
   */
  memory?(params: Record<string, number>): number;
  /**
   * Relative cost of one value (1 = a streaming indicator, ~1 µs here). Features that rescan
   * their whole window for every bar (a rolling standard deviation) cost more; the per-request
   * work limit of GET /features/values weighs each feature by this. Default 1.
   */
  cost?(params: Record<string, number>): number;
  compute(input: FeatureInput, params: Record<string, number>): FeatureColumn;
}

/**
 * Places an indicator's output (which technicalindicators returns without its warm-up rows)
 * at the end of an `n`-row column, so row i is the value at timestamps[i]. Non-finite values
 * (a 0/0 on a flat stretch) become null rather than NaN: null is what "no value" means here.
 */
export function alignRight(values: readonly number[], n: number): FeatureColumn {
  const out: FeatureColumn = new Array<number | null>(n).fill(null);
  const offset = n - values.length;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[offset + i] = Number.isFinite(v) ? v : null;
  }
  return out;
}

/**
 * Weight left on the seed of a recursive smoother after `memory` bars. 1e-12 of a price or
 * an RSI is far below what a model or a quant can see, and well above float64 round-off.
 */
export const SEED_WEIGHT = 1e-12;

/** Bars after which a smoother x[t] = (1 - alpha) x[t-1] + alpha v[t] forgets its seed (to SEED_WEIGHT). */
export function recursiveMemory(alpha: number): number {
  return Math.ceil(Math.log(SEED_WEIGHT) / Math.log(1 - alpha));
}

/**
 * A rolling standard deviation below this fraction of the price level is a flat window. The
 * library's rolling mean is a running sum, so a window of equal closes has a mean that differs
 * from them by round-off (~1e-16 relative, growing with the square root of the bars summed),
 * and a "standard deviation" of that size: dividing by it gives noise (a z-score of ±1, a %B
 * of 0.25 or 0.75). Real prices never vary by less than 1e-10 of their level (a tick is 1e-5).
 */
export const FLAT_RELATIVE = 1e-10;

/** Shorthand for the common `name_{N}` parameter. */
export function periodParam(description: string, def: number, min: number, max: number): ParameterSpec {
  return { name: 'N', description, default: def, min, max };
}
