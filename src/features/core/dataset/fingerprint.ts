/**
 * sha256 of the data and the configuration that produced a dataset: the same bars and the
 * same config give the same fingerprint, any changed bar or setting gives another. Bars
 * enter as their exact float64 bytes (no text rounding); the config as canonical JSON.
 */
import { createHash } from 'node:crypto';
import type { BarSeries } from '../types';
import { OPTIONAL_COLUMNS } from '../types';

/** Bumped whenever the builder's algorithm changes what a given config produces. */
export const DATASET_ALGORITHM_VERSION = 'features-core-dataset/1';

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function numbers(values: readonly (number | null)[]): Buffer {
  const a = Float64Array.from(values, (v) => (v === null ? NaN : v));
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

export function datasetFingerprint(series: readonly BarSeries[], settings: Record<string, unknown>): string {
  const hash = createHash('sha256');
  hash.update(DATASET_ALGORITHM_VERSION);
  hash.update(canonicalJson(settings));
  for (const s of series) {
    hash.update(canonicalJson({ symbol: s.symbol, timeframe: s.timeframe, bars: s.timestamps.length }));
    hash.update(numbers(s.timestamps));
    hash.update(numbers(s.close));
    for (const col of OPTIONAL_COLUMNS) {
      const values = s[col];
      hash.update(col + (values ? ':1' : ':0'));
      if (values) hash.update(numbers(values));
    }
  }
  return hash.digest('hex');
}
