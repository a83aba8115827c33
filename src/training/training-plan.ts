import { DataValidationError } from '../common/errors/app-error';
import { architectureHyperparameterDefaults } from './architectures';
import { DEFAULT_HYPERPARAMETERS, type Hyperparameters } from './dto/hyperparameters.dto';
import type { TrainRequestDto } from './dto/train-request.dto';
import type { TrainingPlan } from './trainers';
import type { SwapTable } from './evaluation/costs';
import { STEP_DURATION } from './dto/evaluation.dto';
import { timeframeMs, type Timeframe } from '../market-data/timeframes';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;

/** The request's walk-forward block as a plan field (nothing for the single split). */
function walkForwardOf(req: TrainRequestDto): Pick<TrainingPlan, 'evaluation'> {
  const e = req.evaluation;
  if (!e || e.method !== 'walk_forward') return {};
  const invalid = (field: string, message: string) =>
    new DataValidationError(message, { fields: [{ field: `evaluation.${field}`, errors: [message] }] });
  if (req.model_type !== 'time_series')
    throw invalid(
      'method',
      `walk_forward evaluation is available for time_series models; ${req.model_type} uses the single split`,
    );
  const step = typeof e.step === 'string' ? STEP_DURATION.exec(e.step) : null;
  const stepMs = step ? Number(step[1]) * UNIT_MS[step[2] as keyof typeof UNIT_MS] : undefined;
  const bar = timeframeMs((req.timeframe ?? '1h') as Timeframe);
  if (stepMs !== undefined && stepMs < bar)
    throw invalid('step', `a step of ${e.step} is shorter than one ${req.timeframe ?? '1h'} bar`);
  if (e.train_bars !== undefined && e.train_window !== 'rolling')
    throw invalid('train_bars', 'train_bars applies to train_window rolling only');
  return {
    evaluation: {
      method: 'walk_forward',
      folds: e.folds!,
      trainWindow: e.train_window ?? 'expanding',
      ...(typeof e.step === 'number' ? { step: e.step } : {}),
      ...(stepMs !== undefined ? { stepMs } : {}),
      ...(e.purge !== undefined ? { purge: e.purge } : {}),
      ...(e.train_bars !== undefined ? { trainBars: e.train_bars } : {}),
    },
  };
}

/** Turn a validated request into the plan a trainer runs: defaults filled, aliases resolved. */
export function toPlan(
  req: TrainRequestDto,
  defaults: { architecture: string; spreadPips: number; slippagePips?: number; swapPoints?: SwapTable },
): TrainingPlan {
  const hp = req.hyperparameters ?? {};
  const architecture = req.architecture ?? defaults.architecture;
  // An architecture may want other defaults than the service's (a TCN needs depth to see back).
  const own = architectureHyperparameterDefaults(architecture);
  if (hp.units !== undefined && hp.lstm_units !== undefined && hp.units !== hp.lstm_units) {
    throw new DataValidationError('hyperparameters: give units or its alias lstm_units, not two different values', {
      fields: [{ field: 'hyperparameters.lstm_units', errors: ['conflicts with units'] }],
    });
  }
  const hyperparameters: Hyperparameters = {
    units: hp.units ?? hp.lstm_units ?? own.units ?? DEFAULT_HYPERPARAMETERS.units,
    layers: hp.layers ?? own.layers ?? DEFAULT_HYPERPARAMETERS.layers,
    dropout: hp.dropout ?? own.dropout ?? DEFAULT_HYPERPARAMETERS.dropout,
    learning_rate: hp.learning_rate ?? DEFAULT_HYPERPARAMETERS.learning_rate,
    batch_size: hp.batch_size ?? DEFAULT_HYPERPARAMETERS.batch_size,
    epochs: hp.epochs ?? DEFAULT_HYPERPARAMETERS.epochs,
    early_stopping_patience: hp.early_stopping_patience ?? DEFAULT_HYPERPARAMETERS.early_stopping_patience,
    ...(hp.heads !== undefined ? { heads: hp.heads } : {}),
    ...(hp.threshold_quantile !== undefined ? { threshold_quantile: hp.threshold_quantile } : {}),
    ...(hp.k !== undefined ? { k: hp.k } : {}),
    ...(hp.redundancy_threshold !== undefined ? { redundancy_threshold: hp.redundancy_threshold } : {}),
    ...Object.fromEntries(
      (
        [
          'gamma',
          'epsilon_start',
          'epsilon_end',
          'epsilon_decay_steps',
          'replay_size',
          'target_update_interval',
          'episodes',
        ] as const
      )
        .filter((k) => hp[k] !== undefined)
        .map((k) => [k, hp[k]]),
    ),
  };
  const start = Date.parse(req.start_date);
  const end = Date.parse(req.end_date);
  if (!(start < end)) {
    throw new DataValidationError(`start_date ${req.start_date} must be before end_date ${req.end_date}`, {
      fields: [{ field: 'start_date', errors: ['must be before end_date'] }],
    });
  }
  return {
    modelType: req.model_type,
    architecture,
    features: req.features ?? [],
    target: req.target,
    symbols: req.symbols,
    timeframe: req.timeframe ?? '1h',
    start,
    end,
    window: req.window ?? 30,
    validationSplit: req.validation_split ?? 0.2,
    testSplit: req.test_split ?? 0.15,
    scaler: req.scaler ?? 'zscore',
    // Only when asked for, so that a plan (and its job) without it stays what it was.
    ...(req.horizon_gaps ? { horizonGaps: req.horizon_gaps } : {}),
    ...(req.feature_source === 'feature_store' ? { featureSource: 'feature_store' as const } : {}),
    hyperparameters,
    seed: req.seed ?? 42,
    spreadPips: req.spread_pips ?? defaults.spreadPips,
    // Fixed into the plan at submission, so a retried or requeued job is costed the same way.
    slippagePips: req.slippage_pips ?? defaults.slippagePips ?? 0,
    swapPoints: defaults.swapPoints ?? {},
    ...walkForwardOf(req),
    ...(req.anomaly_timestamps ? { anomalyTimestamps: req.anomaly_timestamps.map((t) => Date.parse(t)) } : {}),
  };
}
