/**
 * The one feature path of training, evaluation and serving. Training computes every feature per
 * run of bars: from the training start on (bars before start_date are never loaded), and again
 * from the first bar after each gap longer than the gap rule (indicators restart there; a window
 * never crosses a gap). Serving and GET /features/values use the same functions, so a window
 * built from stored bars is the one the evaluation saw, bit for bit.
 */
import { computeFeatures } from '../catalogue/compute';
import type { Segment } from '../series';
import { sliceSeries, splitAtGaps } from '../series';
import type { BarSeries, FeatureColumn } from '../types';

/** What training did with a series, as recorded with the model (preprocessing.json `data_rules`). */
export interface DataRules {
  /** The training start (ms UTC): bars before it are not used. null: every stored bar. */
  start: number | null;
  /** The gap rule: bars further apart than this start a new run. null: no restart (no gap rule recorded). */
  maxGapMs: number | null;
  /** Set when training took its feature columns from the Feature Store (absent: computed here). */
  featureSource?: 'feature_store';
}

/** The runs [start, end) of bar indices training computes separately: from `rules.start` on, cut at gaps. */
export function trainingRuns(timestamps: readonly number[], rules: DataRules): Segment[] {
  let first = 0;
  if (rules.start !== null) while (first < timestamps.length && timestamps[first] < rules.start) first++;
  if (first === timestamps.length) return [];
  const tail = first === 0 ? timestamps : timestamps.slice(first);
  const runs = rules.maxGapMs === null ? [{ start: 0, end: tail.length }] : splitAtGaps(tail, rules.maxGapMs);
  return runs.map((r) => ({ start: r.start + first, end: r.end + first }));
}

/** One run's bars and its feature columns (aligned to the run's bars): the builder's unit of work. */
export function runFeatures(
  series: BarSeries,
  run: Segment,
  names: readonly string[],
): { bars: BarSeries; columns: Record<string, FeatureColumn> } {
  const bars = runBars(series, run);
  return { bars, columns: computeFeatures(bars, names) };
}

/** The bars of one run as a series of their own (the series itself when the run is all of it). */
export function runBars(series: BarSeries, run: Segment): BarSeries {
  return run.start === 0 && run.end === series.timestamps.length ? series : sliceSeries(series, run.start, run.end);
}

/**
 * The feature columns of a whole series as training computes them, aligned to
 * `series.timestamps`: each run on its own (null through each run's warm-up), null before the
 * training start.
 */
export function columnsAsTrained(
  series: BarSeries,
  names: readonly string[],
  rules: DataRules,
): Record<string, FeatureColumn> {
  const runs = trainingRuns(series.timestamps, rules);
  if (runs.length === 1 && runs[0].start === 0 && runs[0].end === series.timestamps.length)
    return computeFeatures(series, names);
  const n = series.timestamps.length;
  const out: Record<string, FeatureColumn> = {};
  for (const name of names) out[name] = new Array<number | null>(n).fill(null);
  for (const run of runs) {
    const { columns } = runFeatures(series, run, names);
    for (const name of names) {
      const col = columns[name];
      const dst = out[name];
      for (let r = run.start; r < run.end; r++) dst[r] = col[r - run.start];
    }
  }
  return out;
}

/** The latest run of a series (the one its last bar belongs to) and that run's feature columns. */
export function latestRunAsTrained(
  series: BarSeries,
  names: readonly string[],
  rules: DataRules,
): { run: Segment; runs: number; bars: BarSeries; columns: Record<string, FeatureColumn> } | null {
  const runs = trainingRuns(series.timestamps, rules);
  if (runs.length === 0) return null;
  const run = runs[runs.length - 1];
  return { run, runs: runs.length, ...runFeatures(series, run, names) };
}

/**
 * preprocessing.json's `data_rules` (written by training; untrusted data from disk). A version
 * trained before it was recorded has none: every stored bar, no restart at gaps, as it was served.
 */
export function dataRulesFromRecord(raw: unknown): DataRules {
  const r = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const start = typeof r.start === 'string' ? Date.parse(r.start) : NaN;
  const gap = r.max_gap_ms;
  return {
    start: Number.isFinite(start) ? start : null,
    maxGapMs: typeof gap === 'number' && Number.isFinite(gap) && gap > 0 ? gap : null,
    ...(r.feature_source === 'feature_store' ? { featureSource: 'feature_store' as const } : {}),
  };
}
