import { DataSource } from 'typeorm';
import { APP_ENTITIES } from './app.entities';
import { baseOptions } from './database/data-source.factory';

/**
 * The DataSource TypeORM's CLI uses (`npm run migration:generate -- migrations/Name`,
 * `npm run migration:run`): PostgreSQL at DATABASE_URL. Migrations are generated against a
 * real server; the embedded database applies the same files at start. It maps the same
 * entities as the application (src/app.entities.ts), so `migration:check` compares those.
 */
function cliDataSource(): DataSource {
  const url = process.env.DATABASE_URL;
  if (!url) {
    process.stderr.write('Set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) for the migration CLI.\n');
    process.exit(2);
  }
  return new DataSource({ type: 'postgres', url, ...baseOptions(APP_ENTITIES) });
}

export default cliDataSource();
