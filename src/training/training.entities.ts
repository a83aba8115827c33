import { TrainingJob } from './training-job.entity';
import { WalkForwardFold } from './walk-forward/fold-job.entity';

/** The training module's tables, composed with the other modules' in src/app.entities.ts. */
export const TRAINING_ENTITIES = [TrainingJob, WalkForwardFold];
