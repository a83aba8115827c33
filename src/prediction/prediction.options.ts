import type { AppConfig } from '../config/app-config';

/** The prediction module's settings (validated with the rest of the environment in AppConfig). */
export const PREDICTION_OPTIONS = Symbol('PREDICTION_OPTIONS');

export interface PredictionOptions {
  /** Most models held loaded at once (least recently used goes first). */
  cacheMaxModels: number;
  /** Most bytes of model files (weights + topology) held loaded at once. */
  cacheMaxBytes: number;
  /** Most windows in one forward pass. */
  batchMaxSize: number;
  /** Longest a queued window waits for others to join its forward pass (ms). */
  batchMaxWaitMs: number;
  /** Most instances in one batch request (413 above). */
  maxInstances: number;
  /** How long a resolved version (and deployment lookup) is reused before asking again (ms). */
  resolutionTtlMs: number;
}

export const DEFAULT_PREDICTION_OPTIONS: PredictionOptions = {
  cacheMaxModels: 8,
  cacheMaxBytes: 512 * 1024 * 1024,
  batchMaxSize: 64,
  batchMaxWaitMs: 2,
  maxInstances: 256,
  resolutionTtlMs: 1000,
};

/** The options from the validated configuration (PREDICTION_* variables, see src/config). */
export function predictionOptionsFrom(config: AppConfig): PredictionOptions {
  return {
    ...DEFAULT_PREDICTION_OPTIONS,
    cacheMaxModels: config.predictionCacheMaxModels,
    cacheMaxBytes: config.predictionCacheMaxBytes,
    batchMaxSize: config.predictionBatchMaxSize,
    batchMaxWaitMs: config.predictionBatchMaxWaitMs,
    maxInstances: config.predictionMaxInstances,
  };
}
