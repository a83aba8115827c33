import * as fs from 'node:fs';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import type { AppConfig } from '../config/app-config';
import { EmbeddedDatabaseLock } from './embedded-lock';
import { withMigrationLock } from './migration-lock';
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

export interface DatabaseHandle {
  dataSource: DataSource;
  kind: 'postgres' | 'embedded';
}

/**
 * Opens the database the configuration names: PostgreSQL at DATABASE_URL, else the
 * embedded PGlite under MODEL_REGISTRY_PATH. Runs pending migrations before returning.
 */
export async function openDatabase(config: AppConfig): Promise<DatabaseHandle> {
  const dataSource = config.databaseUrl ? postgresDataSource(config.databaseUrl, config.databasePoolSize) : await embeddedDataSource(config.embeddedDataDir);
  await dataSource.initialize();
  try {
    const migrate = () => dataSource.runMigrations({ transaction: 'each' });
    await (config.databaseUrl ? withMigrationLock(config.databaseUrl, migrate) : migrate());
  } catch (e) {
    await dataSource.destroy().catch(() => undefined);
    throw e;
  }
  return { dataSource, kind: config.databaseUrl ? 'postgres' : 'embedded' };
}

function postgresDataSource(url: string, poolSize: number): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    poolSize,
    // Fail fast when the server is gone instead of hanging requests (health turns 503).
    connectTimeoutMS: 3000,
    extra: { query_timeout: 30_000, idleTimeoutMillis: 10_000 },
    applicationName: 'ml-workbench-service',
    ...baseOptions(),
  });
}

async function embeddedDataSource(dataDir: string): Promise<DataSource> {
  fs.mkdirSync(dataDir, { recursive: true });
  const lock = EmbeddedDatabaseLock.acquire(dataDir);
  try {
    // Loaded lazily: a PostgreSQL deployment never pays for the WebAssembly build.
    const { PGlite } = require('@electric-sql/pglite') as typeof import('@electric-sql/pglite');
    const { createPgConfig } = require('@electric-sql/pglite/node-postgres') as typeof import('@electric-sql/pglite/node-postgres');
    const pglite = await PGlite.create(dataDir);
    const pgConfig = createPgConfig(pglite);
    const dataSource = new DataSource({
      type: 'postgres',
      host: pgConfig.host,
      port: pgConfig.port,
      username: pgConfig.user,
      password: pgConfig.password,
      database: pgConfig.database,
      // PGlite is one session: a pool of one connection, shared by everything.
      poolSize: 1,
      extra: { connection: pgConfig.connection },
      ...baseOptions(),
    });
    // Close PGlite only after TypeORM has ended its pool, then let others open the directory.
    const destroy = dataSource.destroy.bind(dataSource);
    dataSource.destroy = async () => {
      try {
        if (dataSource.isInitialized) await destroy();
      } finally {
        await pglite.close().catch(() => undefined);
        lock.release();
      }
    };
    return dataSource;
  } catch (e) {
    lock.release();
    throw e;
  }
}
