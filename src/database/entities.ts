import { Experiment } from '../experiments/entities/experiment.entity';
import { RunMetric } from '../experiments/entities/run-metric.entity';
import { Run } from '../experiments/entities/run.entity';
import { MarketBar } from '../market-data/market-bar.entity';
import { ModelVersion } from '../models/entities/model-version.entity';
import { Model } from '../models/entities/model.entity';
import { EvaluationTrial } from '../models/trials/evaluation-trial.entity';
import { ModelAlias } from '../models/aliases/model-alias.entity';
import { ModelHistoryEntry } from '../models/history/model-history.entity';
import { TrainingJob } from '../training/training-job.entity';
import { DEPLOYMENT_ENTITIES } from '../deployment/entities';
import { Sweep, SweepTrial } from '../sweeps/sweep.entity';
import { Schedule, ScheduleRun } from '../schedules/schedule.entity';

/**
 * Every TypeORM entity of the service. The application and the migration CLI both read
 * this list, so what the app maps and what `migration:generate --check` compares are
 * the same. Add a new entity here.
 */
export const ENTITIES: Function[] = [
  MarketBar,
  Model,
  ModelVersion,
  EvaluationTrial,
  ModelAlias,
  ModelHistoryEntry,
  TrainingJob,
  Experiment,
  Run,
  RunMetric,
  ...DEPLOYMENT_ENTITIES,
  Sweep,
  SweepTrial,
  Schedule,
  ScheduleRun,
];
