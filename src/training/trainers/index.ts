import { DataValidationError } from '../../common/errors/app-error';
import { AnomalyTrainer } from './anomaly.trainer';
import { ClassificationTrainer } from './classification.trainer';
import { FeatureEngineeringTrainer } from './feature-engineering.trainer';
import { ReinforcementTrainer } from './reinforcement.trainer';
import { TimeSeriesTrainer } from './time-series.trainer';
import type { Trainer } from './trainer';

/** Every model type the pipeline can train. A new type is one more entry here. */
export const TRAINERS: Record<string, Trainer> = {
  time_series: new TimeSeriesTrainer(),
  classification: new ClassificationTrainer(),
  anomaly_detection: new AnomalyTrainer(),
  feature_engineering: new FeatureEngineeringTrainer(),
  reinforcement_learning: new ReinforcementTrainer(),
};

export function trainerFor(modelType: string): Trainer {
  const trainer = TRAINERS[modelType];
  if (!trainer) {
    throw new DataValidationError(
      `model_type ${modelType} cannot be trained yet; available: ${Object.keys(TRAINERS).join(', ')}`,
      { fields: [{ field: 'model_type', errors: [`available: ${Object.keys(TRAINERS).join(', ')}`] }] },
      'MODEL_TYPE_NOT_AVAILABLE',
    );
  }
  return trainer;
}

export type {
  AgentJob,
  AgentRun,
  Trainer,
  TrainerContext,
  TrainerOutcome,
  TrainingPlan,
  NetworkRun,
  NetworkJob,
} from './trainer';
