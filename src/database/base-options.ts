import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';

/**
 * An entity class. database/ knows no module's entities: whoever opens a DataSource hands it
 * the list (the composition root's APP_ENTITIES, src/app.entities.ts).
 */
export type EntityClass = new (...args: never[]) => object;

/**
 * What every DataSource of the service has in common, embedded or real. Without entities a
 * DataSource still runs the migrations and raw SQL (the embedded template, benches, specs).
 */
export function baseOptions(entities: readonly EntityClass[] = []): Pick<
  DataSourceOptions,
  'entities' | 'migrations' | 'synchronize' | 'migrationsRun'
> & {
  uuidExtension: 'pgcrypto';
  installExtensions: false;
} {
  return {
    entities: [...entities],
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    uuidExtension: 'pgcrypto',
    installExtensions: false,
  };
}
