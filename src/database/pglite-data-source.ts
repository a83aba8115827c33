import { DataSource } from 'typeorm';
import { baseOptions, type EntityClass } from './base-options';

/**
 * A TypeORM DataSource on a PGlite data directory (created by PGlite when the directory is
 * empty). `destroy()` ends TypeORM's pool, then closes PGlite, then calls `onClosed`.
 * `entities`: the classes the DataSource maps (none: migrations and raw SQL only).
 */
export async function pgliteDataSource(
  dataDir: string,
  onClosed: () => void = () => undefined,
  entities: readonly EntityClass[] = [],
): Promise<DataSource> {
  // Loaded lazily: a PostgreSQL deployment never pays for the WebAssembly build.
  const { PGlite } = require('@electric-sql/pglite') as typeof import('@electric-sql/pglite');
  const { createPgConfig } =
    require('@electric-sql/pglite/node-postgres') as typeof import('@electric-sql/pglite/node-postgres');
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
    ...baseOptions(entities),
  });
  // Close PGlite only after TypeORM has ended its pool, then let others open the directory.
  const destroy = dataSource.destroy.bind(dataSource);
  dataSource.destroy = async () => {
    try {
      if (dataSource.isInitialized) await destroy();
    } finally {
      await pglite.close().catch(() => undefined);
      onClosed();
    }
  };
  return dataSource;
}
