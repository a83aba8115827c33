import type { BarSeries } from '../types';
import type { TargetOptions } from '../targets/targets';
import type { HorizonGapPolicy } from './horizon-gaps';
import type { ScalerKind } from './scaler';
import type { StoreFrame } from './store-features';
import type { WalkForwardSpec } from './walk-forward';

/** Longest time between consecutive bars that a window or target may span, by default. */
export const DEFAULT_MAX_GAP_MS = 4 * 86_400_000; // an FX weekend plus a holiday; a missing month breaks

export interface DatasetConfig {
  /** One or several symbols, all of the same timeframe. */
  series: BarSeries[];
  /** Catalogue names, in the order of the feature axis. */
  features: string[];
  /** Target name (its horizon H comes from it), and its options (flat band, regime thresholds). */
  target: string;
  targetOptions?: TargetOptions;
  /** W: bars per input window, the last one being the sample's own bar. */
  window: number;
  /** Fractions of samples (by time, across symbols) for validation and test; test is the last part. */
  validationSplit: number;
  testSplit: number;
  scaler: ScalerKind;
  /**
   * Longest tolerated time gap between consecutive bars, in bars of the timeframe or in ms
   * (give at most one). Default DEFAULT_MAX_GAP_MS. Longer gaps cut the series into runs that
   * are computed separately: no window, indicator or target crosses them.
   */
  maxGapBars?: number;
  maxGapMs?: number;
  /**
   * Samples whose horizon spans a gap (horizon-gaps.ts): `keep` them (the default, as before)
   * or `drop` them. Either way the dataset counts them (stats.horizonGaps).
   */
  horizonGaps?: HorizonGapPolicy;
  /**
   * Walk-forward folds (walk-forward.ts). With `fold` (1-based), the dataset is that fold's:
   * its training window's train/validation parts and its test block (testSplit is not used).
   * Without, planDataset reports every fold's sizes.
   */
  walkForward?: WalkForwardSpec & { fold?: number };
  /**
   * `feature_source: "feature_store"`: the feature columns as the Feature Store answered them,
   * per symbol (canonical, EUR/USD), instead of computed from the bars (store-features.ts has
   * the alignment rule). The target, runs, splits and purge still come from the bars.
   */
  storeFeatures?: Record<string, StoreFrame>;
}
