import { requireColumn, validateSeries } from '../series';
import type { BarSeries, FeatureColumn } from '../types';
import type { FeatureSpec } from './catalogue';
import { parseFeature } from './catalogue';

/**
 * Computes the named features over one series: `{ name: column }`, every column aligned to
 * `series.timestamps`, warm-up rows null. All names are parsed and all needed columns checked
 * before anything is computed, so a bad request fails fast with the first problem named
 * (UnknownFeatureError, InvalidFeatureParameterError, MissingColumnError, InvalidSeriesError).
 */
export function computeFeatures(series: BarSeries, names: readonly string[]): Record<string, FeatureColumn> {
  validateSeries(series);
  const specs = names.map(parseFeature);
  for (const spec of specs) for (const column of spec.columns) requireColumn(series, column, spec.name);
  const out: Record<string, FeatureColumn> = {};
  for (const spec of specs) {
    if (!(spec.name in out)) out[spec.name] = computeSpec(series, spec);
  }
  return out;
}

/** One parsed feature over an already validated series. */
export function computeSpec(series: BarSeries, spec: FeatureSpec): FeatureColumn {
  const input = { series, column: (c: Parameters<typeof requireColumn>[1]) => requireColumn(series, c, spec.name) };
  return spec.definition.compute(input, spec.params);
}
