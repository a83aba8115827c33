import type { EntityClass } from './database/base-options';
import { DEPLOYMENT_ENTITIES } from './deployment/entities';
import { EXPERIMENTS_ENTITIES } from './experiments/experiments.entities';
import { MARKET_DATA_ENTITIES } from './market-data/market-data.entities';
import { MODELS_ENTITIES } from './models/models.entities';
import { SCHEDULES_ENTITIES } from './schedules/schedules.entities';
import { SWEEPS_ENTITIES } from './sweeps/sweeps.entities';
import { TRAINING_ENTITIES } from './training/training.entities';

/**
 * Every TypeORM entity of the service, composed from the lists each module keeps beside its
 * tables (database/ knows none of them: it is handed this list). The application
 * (AppModule → DatabaseModule.forRoot, early-start.ts) and the migration CLI
 * (cli-data-source.ts) both read it, so what the app maps and what
 * `migration:generate --check` compares are the same. A new module adds its list here.
 */
export const APP_ENTITIES: EntityClass[] = [
  ...MARKET_DATA_ENTITIES,
  ...MODELS_ENTITIES,
  ...TRAINING_ENTITIES,
  ...EXPERIMENTS_ENTITIES,
  ...DEPLOYMENT_ENTITIES,
  ...SWEEPS_ENTITIES,
  ...SCHEDULES_ENTITIES,
];
