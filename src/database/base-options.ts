import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { ENTITIES } from './entities';

/** What every DataSource of the service has in common, embedded or real. */
export function baseOptions(): Pick<DataSourceOptions, 'entities' | 'migrations' | 'synchronize' | 'migrationsRun'> & {
  uuidExtension: 'pgcrypto';
  installExtensions: false;
} {
  return {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    uuidExtension: 'pgcrypto',
    installExtensions: false,
  };
}
