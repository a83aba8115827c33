import { Experiment } from './entities/experiment.entity';
import { RunMetric } from './entities/run-metric.entity';
import { Run } from './entities/run.entity';

/** The experiments module's tables, composed with the other modules' in src/app.entities.ts. */
export const EXPERIMENTS_ENTITIES = [Experiment, Run, RunMetric];
