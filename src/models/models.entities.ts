import { ModelAlias } from './aliases/model-alias.entity';
import { ModelVersion } from './entities/model-version.entity';
import { Model } from './entities/model.entity';
import { ModelHistoryEntry } from './history/model-history.entity';
import { EvaluationTrial } from './trials/evaluation-trial.entity';

/** The models module's tables (registry, trials, aliases, history), composed in src/app.entities.ts. */
export const MODELS_ENTITIES = [Model, ModelVersion, EvaluationTrial, ModelAlias, ModelHistoryEntry];
