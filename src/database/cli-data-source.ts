import { DataSource } from 'typeorm';
import { baseOptions } from './data-source.factory';

/**
 * The DataSource TypeORM's CLI uses (`npm run migration:generate -- migrations/Name`,
 * `npm run migration:run`): PostgreSQL at DATABASE_URL. Migrations are generated against a
 * real server; the embedded database applies the same files at start.
 */
function cliDataSource(): DataSource {
  const url = process.env.DATABASE_URL;
  if (!url) {
    process.stderr.write('Set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) for the migration CLI.\n');
    process.exit(2);
  }
  return new DataSource({ type: 'postgres', url, ...baseOptions() });
}

export default cliDataSource();
