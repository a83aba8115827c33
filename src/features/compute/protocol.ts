import type { Dataset, DatasetConfig, DatasetPlan, Scaler, TargetSpec } from '../core';
import type { ColumnarSeries } from '../core/types';

/** A dataset request without its bars (they travel as ColumnarSeries). */
export type DatasetOptions = Omit<DatasetConfig, 'series'>;

/** What the main thread asks a compute thread to do. */
export type ComputeTask =
  /** GET /features/values: compute over the loaded span, answer rows [skip, skip + rows) as the JSON body. */
  | {
      kind: 'feature-values';
      series: ColumnarSeries;
      features: string[];
      skip: number;
      rows: number;
      nextStart: number | null;
    }
  /** Part sizes of a dataset (the training submission's checks). */
  | { kind: 'dataset-plan'; series: ColumnarSeries[]; options: DatasetOptions }
  /** The dataset itself (the training worker). */
  | { kind: 'dataset'; series: ColumnarSeries[]; options: DatasetOptions };

/** A dataset part with its per-sample arrays as typed arrays (transferable). */
export interface PackedPart {
  count: number;
  windows: Float32Array;
  targets: Float64Array;
  timestamps: Float64Array;
  windowStart: Float64Array;
  targetEnd: Float64Array;
  /** Index into PackedDataset.symbols. */
  symbolIndex: Uint16Array;
}

export interface PackedDataset {
  features: string[];
  window: number;
  numFeatures: number;
  timeframe: DatasetConfig['series'][number]['timeframe'];
  target: TargetSpec;
  purgeBars: number;
  maxGapMs: number;
  cutoffs: { validationStart: number | null; testStart: number | null };
  scaler: Scaler;
  fingerprint: string;
  stats: Dataset['stats'];
  symbols: string[];
  train: PackedPart;
  validation: PackedPart;
  test: PackedPart;
}

export type ComputeResult<T extends ComputeTask = ComputeTask> = T extends { kind: 'feature-values' }
  ? { kind: 'feature-values'; body: Uint8Array }
  : T extends { kind: 'dataset-plan' }
    ? { kind: 'dataset-plan'; plan: DatasetPlan }
    : { kind: 'dataset'; dataset: PackedDataset; series: ColumnarSeries[] };

/** An error thrown by a task. `feature` marks the features core's typed errors (a 422 with its code). */
export interface ComputeFailure {
  name: string;
  message: string;
  feature: boolean;
  code?: string;
  details?: Record<string, unknown>;
}

export interface ComputeRequest {
  id: number;
  task: ComputeTask;
}

export type ComputeReply =
  { id: number; ok: true; result: ComputeResult } | { id: number; ok: false; error: ComputeFailure };
