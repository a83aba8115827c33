import type { Timeframe } from './timeframes';

/**
 * Where a bar came from: `import` (CSV upload), `demo` (the Fed noon fixes shipped as demo
 * data) or `resample:<from timeframe>`. A series holds bars of one source, so its columns
 * (close-only fixes vs OHLC(V) bars) mean the same thing for every bar.
 */
export type BarSource = 'import' | 'demo' | `resample:${Timeframe}`;

/** What to do when the target series already holds bars from another source. */
export const ON_CONFLICT = ['error', 'replace'] as const;
export type OnConflict = (typeof ON_CONFLICT)[number];

export function describeSource(source: string): string {
  if (source === 'import') return 'CSV import';
  if (source === 'demo') return 'demo data (Federal Reserve H.10 noon fixes, close-only)';
  if (source.startsWith('resample:')) return `resampled from ${source.slice('resample:'.length)}`;
  return source;
}
