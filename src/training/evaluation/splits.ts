/**
 * The `splits` block of a version: where each chronological part starts and ends, and what the
 * split rule (features/core/dataset/builder.ts) left out, so the cutoffs can be checked
 * without re-implementing the rule.
 */
import type { Dataset, DatasetPart, FeatureStoreCounts, HorizonGapCounts } from '../../features/core';

export interface SplitPart {
  samples: number;
  /** First and last sample (the window's last bar), ISO 8601 UTC; null for an empty part. */
  first: string | null;
  last: string | null;
  /** The part's footprint: the first window's first bar and the last target's bar t + H. */
  data_from: string | null;
  data_to: string | null;
}

export interface Splits {
  train: SplitPart;
  validation: SplitPart;
  test: SplitPart;
  /** Start of the validation and test ranges (the cutoffs c1, c2). */
  cutoffs: { validation_start: string | null; test_start: string | null };
  /** W + H: the gap in bars between parts on a gap-free series. */
  purge_bars: number;
  /** Candidate samples dropped because their footprint straddles a cutoff. */
  purged: number;
  /** Rows dropped at the start of each gap-free run while a feature was warming up. */
  dropped_warmup_rows: number;
  /** Complete samples before the split (train + validation + test + purged). */
  candidates: number;
  /** Gap-free runs the bars were split into. */
  segments: number;
  /** Samples whose horizon spans a gap (features/core/dataset/horizon-gaps.ts): the policy, how many, and per part. */
  horizon_gaps: HorizonGapCounts;
  /** feature_source feature_store: how the store's rows met the stored bars (features/core/dataset/store-features.ts). */
  feature_store?: {
    store_rows: number;
    matched_bars: number;
    missing_bars: number;
    null_bars: number;
    unmatched_rows: number;
  };
}

const iso = (t: number | undefined | null) =>
  t === undefined || t === null || !Number.isFinite(t) ? null : new Date(t).toISOString();

function part(p: DatasetPart): SplitPart {
  if (p.count === 0) return { samples: 0, first: null, last: null, data_from: null, data_to: null };
  let first = Infinity;
  let last = -Infinity;
  let from = Infinity;
  let to = -Infinity;
  for (let i = 0; i < p.count; i++) {
    first = Math.min(first, p.timestamps[i]);
    last = Math.max(last, p.timestamps[i]);
    from = Math.min(from, p.windowStart[i]);
    to = Math.max(to, p.targetEnd[i]);
  }
  return { samples: p.count, first: iso(first), last: iso(last), data_from: iso(from), data_to: iso(to) };
}

export function splitsReport(dataset: Dataset): Splits {
  return {
    train: part(dataset.train),
    validation: part(dataset.validation),
    test: part(dataset.test),
    cutoffs: { validation_start: iso(dataset.cutoffs.validationStart), test_start: iso(dataset.cutoffs.testStart) },
    purge_bars: dataset.purgeBars,
    purged: dataset.stats.purged,
    dropped_warmup_rows: dataset.stats.warmupRowsDropped,
    candidates: dataset.stats.candidates,
    segments: dataset.stats.segments,
    horizon_gaps: { ...dataset.stats.horizonGaps },
    ...(dataset.stats.featureStore ? { feature_store: storeCounts(dataset.stats.featureStore) } : {}),
  };
}

function storeCounts(c: FeatureStoreCounts): NonNullable<Splits['feature_store']> {
  return {
    store_rows: c.storeRows,
    matched_bars: c.matchedBars,
    missing_bars: c.missingBars,
    null_bars: c.nullBars,
    unmatched_rows: c.unmatchedRows,
  };
}
