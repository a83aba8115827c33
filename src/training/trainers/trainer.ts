import type { BarSeries, Dataset, HorizonGapPolicy, WalkForwardSpec } from '../../features/core';
import type { AutoencoderSpec, NetworkSpec } from '../../ml/architectures/network-spec';
import type { Hyperparameters } from '../dto/hyperparameters.dto';
import type { SwapTable } from '../evaluation/costs';
import type { BaselinePredictions } from '../evaluation/baselines';
import type { JobProgress, ProgressUnit } from '../job-progress';

/** A training request after validation and defaults: what a trainer receives. */
export interface TrainingPlan {
  modelType: string;
  architecture: string;
  features: string[];
  target: string;
  symbols: string[];
  timeframe: string;
  start: number;
  end: number;
  window: number;
  validationSplit: number;
  testSplit: number;
  scaler: 'zscore' | 'minmax';
  /** Samples whose horizon spans a gap: kept (absent, the default) or dropped (features/core/dataset/horizon-gaps.ts). */
  horizonGaps?: HorizonGapPolicy;
  /** Feature columns from the Feature Store (absent: computed here, as before). */
  featureSource?: 'feature_store';
  hyperparameters: Hyperparameters;
  seed: number;
  spreadPips: number;
  /** Backtest slippage in pips per side (absent in jobs queued before it existed: 0). */
  slippagePips?: number;
  /** Swap points per symbol, pips per day (absent: no financing). See evaluation/costs.ts. */
  swapPoints?: SwapTable;
  /** anomaly_detection: known anomalous timestamps (ms), for precision and recall. */
  anomalyTimestamps?: number[];
  /** Walk-forward evaluation (absent: the single split). */
  evaluation?: WalkForwardPlan;
}

/** The walk-forward request as the dataset builder takes it (features/core/dataset/walk-forward.ts). */
export type WalkForwardPlan = { method: 'walk_forward' } & WalkForwardSpec;

/** What running a network in the training thread gives back. */
export interface NetworkRun {
  backend: string;
  backendDetails: Record<string, unknown>;
  bestEpoch: number;
  stoppedEarly: boolean;
  cancelled: boolean;
  history: { loss: number[]; val_loss: number[] };
  predictions: { train?: Float32Array; val: Float32Array; test: Float32Array };
  /** Directory holding model.json + weights.bin, and model.onnx unless onnxUnavailable says why not. */
  modelDir: string;
  onnxUnavailable?: string | null;
}

export type NetworkJob = {
  loss: 'mse' | 'mae' | 'huber' | 'sparseCategoricalCrossentropy';
  classWeight?: Record<number, number>;
  predictTrain?: boolean;
} & (
  | { kind?: 'supervised'; network: NetworkSpec; y: { train: Float32Array; val: Float32Array; width: number } }
  | { kind: 'autoencoder'; autoencoder: AutoencoderSpec }
);

/** A DQN agent's run in the training thread. */
export interface AgentRun {
  backend: string;
  backendDetails: Record<string, unknown>;
  bestEpisode: number;
  cancelled: boolean;
  rewardScale: number;
  history: { episode: number[]; train_reward: number[]; val_return: number[]; epsilon: number[] };
  testActions: Int8Array;
  testQValues: Float32Array;
  modelDir: string;
}

export interface AgentJob {
  config: Record<string, number>;
  returns: { train: Float64Array; val: Float64Array; test: Float64Array };
  costs: { train: Float64Array; val: Float64Array; test: Float64Array };
}

export interface TrainerContext {
  plan: TrainingPlan;
  dataset: Dataset;
  series: BarSeries[];
  /** Train a network on the dataset's windows in the training thread. */
  runNetwork(job: NetworkJob): Promise<NetworkRun>;
  /** Train a DQN agent on the dataset's windows in the training thread. */
  runAgent(job: AgentJob): Promise<AgentRun>;
  /** Report progress of work done outside the training thread (a selection's scoring). */
  report(progress: Partial<JobProgress>): Promise<void>;
}

export interface TrainerOutcome {
  /** Test-part metrics, stored with the version (the seed's `metrics`). */
  metrics: Record<string, unknown>;
  baselines: Record<string, unknown>;
  /** Written as preprocessing.json: everything prediction needs to rebuild an input exactly. */
  preprocessing: Record<string, unknown>;
  /** The trained network; absent for model types without one (feature_engineering). */
  run?: NetworkRun;
  /** Extra files of the version (written beside model/, preprocessing.json, metrics.json). */
  files?: Record<string, unknown>;
  /** Where each split part starts and ends, and what was purged and dropped (evaluation/splits.ts). */
  splits?: Record<string, unknown>;
  /** Significance of the test metrics (evaluation/significance/report.ts). */
  significance?: Record<string, unknown>;
  /** The test part's predictions and the baselines' (walk-forward concatenates the folds'); not stored. */
  outOfSample?: { prediction: Float64Array; baselines: BaselinePredictions };
  /** Walk-forward report (training/walk-forward), stored as the version's `walk_forward`. */
  walkForward?: Record<string, unknown>;
}

/**
 * One model type. A new model type is a new Trainer registered in TRAINERS, not a new
 * pipeline: the queue, registry, artifacts and runs are shared.
 */
export interface Trainer {
  readonly modelType: string;
  /** The architectures a request may name for this model type (the DTO's allowed values are their union). */
  readonly architectures: readonly string[];
  readonly defaultArchitecture: string;
  /** A window every request of this type uses (feature selection scores single rows). */
  readonly fixedWindow?: number;
  /** What its job's progress counts (default: epochs of a network). */
  readonly progressUnit?: ProgressUnit;
  /**
   * A type that trains no network says what computes it instead, so a job never shows an
   * unknown backend for it; types with a network report the thread's tfjs backend.
   */
  readonly backend?: { name: string; description: string };
  /** Checks that can be made before anything is queued; throw a 422 AppError. */
  check(plan: TrainingPlan, targetKind: 'regression' | 'classification'): void;
  train(ctx: TrainerContext): Promise<TrainerOutcome>;
}
