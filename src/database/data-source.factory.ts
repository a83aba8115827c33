import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { baseOptions, type EntityClass } from './base-options';
import { EmbeddedDatabaseLock } from './embedded-lock';
import { prepareEmbeddedDataDir, type PreparedDataDir } from './embedded-template';
import { withMigrationLock } from './migration-lock';
import { pgliteDataSource } from './pglite-data-source';

export { baseOptions, type EntityClass } from './base-options';

export interface DatabaseHandle {
  dataSource: DataSource;
  kind: 'postgres' | 'embedded';
  /** Embedded only: how the data directory was made ready (opened as it was, copied from the template, …). */
  prepared?: PreparedDataDir;
}

/**
 * Opens the database the configuration names: PostgreSQL at DATABASE_URL, else the
 * embedded PGlite under MODEL_REGISTRY_PATH. Runs pending migrations before returning.
 * `entities`: what the DataSource maps, the composition root's list (src/app.entities.ts);
 * none for migrations and raw SQL only.
 */
export async function openDatabase(config: AppConfig, entities: readonly EntityClass[] = []): Promise<DatabaseHandle> {
  const embedded = config.databaseUrl
    ? undefined
    : await embeddedDataSource(config.embeddedDataDir, config.embeddedTemplateDir, entities);
  const dataSource = embedded?.dataSource ?? postgresDataSource(config.databaseUrl!, config.databasePoolSize, entities);
  await dataSource.initialize();
  try {
    const migrate = () => dataSource.runMigrations({ transaction: 'each' });
    await (config.databaseUrl ? withMigrationLock(config.databaseUrl, migrate) : migrate());
  } catch (e) {
    await dataSource.destroy().catch(() => undefined);
    throw e;
  }
  return { dataSource, kind: config.databaseUrl ? 'postgres' : 'embedded', prepared: embedded?.prepared };
}

function postgresDataSource(url: string, poolSize: number, entities: readonly EntityClass[]): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    poolSize,
    // Fail fast when the server is gone instead of hanging requests (health turns 503).
    connectTimeoutMS: 3000,
    extra: { query_timeout: 30_000, idleTimeoutMillis: 10_000 },
    applicationName: 'ml-workbench-service',
    ...baseOptions(entities),
  });
}

async function embeddedDataSource(
  dataDir: string,
  templateDir: string | null,
  entities: readonly EntityClass[],
): Promise<{ dataSource: DataSource; prepared: PreparedDataDir }> {
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  const lock = EmbeddedDatabaseLock.acquire(dataDir);
  try {
    // A new directory starts as a copy of the migrated template (embedded-template.ts).
    const prepared = await prepareEmbeddedDataDir(dataDir, templateDir);
    const dataSource = await pgliteDataSource(dataDir, () => lock.release(), entities);
    return { dataSource, prepared };
  } catch (e) {
    lock.release();
    throw e;
  }
}
