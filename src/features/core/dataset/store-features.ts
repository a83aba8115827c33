/**
 * Feature columns from the Feature Store instead of computed here (`feature_source:
 * "feature_store"`). The store's rows are aligned on the stored bars' timestamps, because the
 * target (and the runs, the horizon gaps, the splits) are still computed from those bars.
 *
 * Alignment rule: a bar takes the store's values at its own timestamp, exactly. Nothing is ever
 * filled in: a bar the store has no row for, or a row with a null for some feature, has that
 * feature missing (NaN), and a window containing such a bar is not a sample, exactly as a
 * window over an indicator's warm-up is not one (candidates.ts). Store rows at no stored bar
 * are ignored. The dataset counts each case (FeatureStoreCounts), so nothing is lost silently.
 */
import { createHash } from 'node:crypto';
import type { FeatureColumn } from '../types';

/** What the store answered for one symbol: rows by timestamp (ms UTC), columns parallel to them. */
export interface StoreFrame {
  timestamps: readonly number[];
  values: Record<string, readonly (number | null)[]>;
}

/** How the store's rows met the stored bars (summed over symbols); on the version's splits. */
export interface FeatureStoreCounts {
  /** Rows the store returned. */
  storeRows: number;
  /** Stored bars that had a store row with every feature present. */
  matchedBars: number;
  /** Stored bars the store had no row for (their features are missing). */
  missingBars: number;
  /** Stored bars whose store row had a null for at least one feature. */
  nullBars: number;
  /** Store rows at a timestamp with no stored bar (ignored). */
  unmatchedRows: number;
}

export function emptyStoreCounts(): FeatureStoreCounts {
  return { storeRows: 0, matchedBars: 0, missingBars: 0, nullBars: 0, unmatchedRows: 0 };
}

/** The store's columns aligned to `timestamps` (null where the bar has no value), and the counts. */
export function alignStoreFrame(
  timestamps: readonly number[],
  frame: StoreFrame,
  names: readonly string[],
): { columns: Record<string, FeatureColumn>; counts: FeatureStoreCounts } {
  const n = timestamps.length;
  const columns: Record<string, FeatureColumn> = {};
  for (const name of names) columns[name] = new Array<number | null>(n).fill(null);
  const counts = emptyStoreCounts();
  counts.storeRows = frame.timestamps.length;
  const present = new Uint8Array(n);
  // Both sides ascending (the store's contract checks its order; market data stores bars sorted): one merge pass.
  let b = 0;
  for (let s = 0; s < frame.timestamps.length; s++) {
    const t = frame.timestamps[s];
    while (b < n && timestamps[b] < t) b++;
    if (b === n || timestamps[b] !== t) {
      counts.unmatchedRows++;
      continue;
    }
    present[b] = 1;
    let complete = true;
    for (const name of names) {
      const v = frame.values[name]?.[s];
      // The contract allows finite numbers and null only; a NaN from elsewhere is missing too.
      if (typeof v === 'number' && Number.isFinite(v)) columns[name][b] = v;
      else complete = false;
    }
    if (complete) counts.matchedBars++;
    else counts.nullBars++;
  }
  for (let i = 0; i < n; i++) if (!present[i]) counts.missingBars++;
  return { columns, counts };
}

export function addStoreCounts(into: FeatureStoreCounts, more: FeatureStoreCounts): void {
  into.storeRows += more.storeRows;
  into.matchedBars += more.matchedBars;
  into.missingBars += more.missingBars;
  into.nullBars += more.nullBars;
  into.unmatchedRows += more.unmatchedRows;
}

/**
 * sha256 of the aligned store values, for the dataset fingerprint: the bars alone do not say
 * what the store answered, so the same bars with other store values must give another fingerprint.
 */
export function storeValuesDigest(
  aligned: readonly { symbol: string; columns: Record<string, FeatureColumn> }[],
  names: readonly string[],
): string {
  const hash = createHash('sha256');
  for (const { symbol, columns } of aligned) {
    hash.update(`${symbol}\u0000`);
    for (const name of names) {
      const a = Float64Array.from(columns[name], (v) => (v === null ? NaN : v));
      hash.update(`${name}\u0000`);
      hash.update(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    }
  }
  return hash.digest('hex');
}
