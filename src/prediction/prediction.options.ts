import { AppConfig } from '../config/app-config';
import { EnvironmentVariables } from '../config/environment';

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

/** Not an environment variable: how long a resolution is reused (ms). Its only definition. */
const RESOLUTION_TTL_MS = 1000;

/** The options from the validated configuration (PREDICTION_* variables, see src/config/environment.ts). */
export function predictionOptionsFrom(
  config: Pick<
    AppConfig,
    | 'predictionCacheMaxModels'
    | 'predictionCacheMaxBytes'
    | 'predictionBatchMaxSize'
    | 'predictionBatchMaxWaitMs'
    | 'predictionMaxInstances'
  >,
): PredictionOptions {
  return {
    cacheMaxModels: config.predictionCacheMaxModels,
    cacheMaxBytes: config.predictionCacheMaxBytes,
    batchMaxSize: config.predictionBatchMaxSize,
    batchMaxWaitMs: config.predictionBatchMaxWaitMs,
    maxInstances: config.predictionMaxInstances,
    resolutionTtlMs: RESOLUTION_TTL_MS,
  };
}

/**
 * The options of an unset environment: read from the environment's own defaults (the
 * initialisers of EnvironmentVariables, mapped by AppConfig), so each default is written once.
 */
export const DEFAULT_PREDICTION_OPTIONS: Readonly<PredictionOptions> = Object.freeze(
  predictionOptionsFrom(new AppConfig(new EnvironmentVariables())),
);
