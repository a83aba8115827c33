import type { ModelVersion } from '../models/entities/model-version.entity';
import type { ServingRole } from './challenger-routing';
import type { ActiveDeployment } from './deployment-lookup';
import type { ModelCacheStats } from './model-cache';
import type { VersionRef } from './model-loader';
import type { Prediction } from './model-output';

/** The single-window request (the seed's body) and its optional fields. */
export interface PredictBody {
  symbol?: unknown;
  timeframe?: unknown;
  features?: unknown;
  version?: unknown;
  target?: unknown;
  allow_other_symbol?: unknown;
  instances?: unknown;
  /** Keys the canary split (the same key, the same version); the header X-Request-Key does the same. */
  request_key?: unknown;
}

/** The batch request: `instances`, each a window; top-level symbol/timeframe are defaults. */
export interface PredictBatchBody extends Omit<PredictBody, 'features' | 'instances'> {
  instances: unknown;
}

export interface PredictResult {
  model_id: string;
  version: string;
  /** The alias asked for (`"version": "@champion"` → "champion"); absent otherwise. `version` is the one it resolved to. */
  alias?: string;
  /** Through a deployment target: which version answered there, active or canary. */
  role?: ServingRole;
  model_type: string;
  symbol: string;
  timeframe: string;
  prediction: Prediction;
  signal: number | null;
  /** The last stored bar the window ends on (windows built from market data), else null. */
  as_of: string | null;
  /** Present (true) when the horizon of a prediction from stored bars will span a gap (a weekend on intraday bars). */
  horizon_gap?: true;
  timestamp: string;
  latency_ms: number;
}

export interface PredictBatchResult {
  model_id: string;
  version: string;
  alias?: string;
  role?: ServingRole;
  model_type: string;
  count: number;
  predictions: Array<Pick<PredictResult, 'symbol' | 'timeframe' | 'prediction' | 'signal' | 'as_of' | 'horizon_gap'>>;
  timestamp: string;
  latency_ms: number;
}

export interface ResolvedVersion {
  model_id: string;
  version: string;
  status: string;
  model_type: string;
  artifact_checksum: string | null;
  /** Set when the version was chosen through a deployment target. */
  deployment: (ActiveDeployment & { target: string }) | null;
}

/** Filled in by predict(): which version and engine answered (the controller sends them as headers). */
export interface PredictMeta {
  version?: string;
  engine?: string;
  /** active or canary, when served through a deployment target. */
  role?: string;
  /** In: the request's X-Request-Key header (the canary split), when the body has no request_key. */
  requestKey?: string;
}

/** What a loaded version runs on, as /health/ready and the version's JSON report it. */
export interface ServingReport {
  model_id: string;
  version: string;
  engine: string;
  reason: string;
  measured: Record<string, number> | null;
  bytes: number;
}

export interface BatchTotals {
  batches: number;
  coalesced: number;
  windows: number;
  max_batch: number;
}

export interface PredictionStats {
  cache: ModelCacheStats;
  /** Forward passes, those that carried more than one window, windows predicted, the largest pass. */
  batches: BatchTotals;
  loaded: string[];
  tensors: number;
}

/** A version chosen to answer, with what the loaders and the routing need to know about it. */
export interface Resolved {
  row: Pick<ModelVersion, 'model_id' | 'version' | 'status' | 'symbols' | 'timeframe' | 'artifact_checksum' | 'error'>;
  ref: VersionRef;
  key: string;
  deployment: (ActiveDeployment & { target: string }) | null;
  /** Set when the request named the version by an alias ("@champion" → "champion"). */
  alias: string | null;
  /** On its deployment: the active version, or a challenger (canary answering, shadow off the path). */
  role: ServingRole;
}

/** One validated window: the raw feature rows (oldest first, in the model's feature order) and their scaled form. */
export interface PreparedInstance {
  symbol: string;
  timeframe: string;
  window: Float32Array;
  rows: number[][];
  asOf: string | null;
  /** Built from stored bars: the prediction's horizon will span a gap (a weekend on intraday bars). */
  horizonGap?: boolean;
}

/** A prepared window's raw inputs and the feature layout they were built for (a shadow may reuse them). */
export interface PreparedWindows {
  features: readonly string[];
  window: number;
  instances: PreparedInstance[];
}
