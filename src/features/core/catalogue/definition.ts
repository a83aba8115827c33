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

/** Shorthand for the common `name_{N}` parameter. */
export function periodParam(description: string, def: number, min: number, max: number): ParameterSpec {
  return { name: 'N', description, default: def, min, max };
}
