import { Client } from 'pg';

/** Any fixed 64-bit key: the one advisory lock every replica of this service agrees on. */
const MIGRATION_LOCK_KEY = 7_311_844_201;

/**
 * Runs `fn` while holding a PostgreSQL advisory lock, so that replicas starting together
 * (a Kubernetes rollout starts them at once) run the migrations one after the other: the
 * first applies them, the others then find nothing pending. The lock lives on a connection
 * of its own, outside TypeORM's pool, so a pool of one connection cannot deadlock on it;
 * PostgreSQL releases it if this process dies.
 */
export async function withMigrationLock<T>(databaseUrl: string, fn: () => Promise<T>): Promise<T> {
  const client = new Client({
    connectionString: databaseUrl,
    connectionTimeoutMillis: 3000,
    application_name: 'ml-workbench-service:migrations',
  });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    return await fn();
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}
