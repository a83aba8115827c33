import * as fs from 'node:fs';
import * as path from 'node:path';
import { AppConfig } from './config/app-config';
import { MIGRATIONS } from '../migrations';
import { APP_ENTITIES } from './app.entities';
import { openDatabase } from './database/data-source.factory';
import { pendingSchemaChanges } from './database/schema-drift';
import * as os from 'node:os';
import { createScratchDatabase, testDatabaseUrl } from '../test/support/test-database';

describe('entities (APP_ENTITIES) and migrations', () => {
  it('every migration file is listed in migrations/index.ts', () => {
    const dir = path.resolve(__dirname, '../migrations');
    const files = fs.readdirSync(dir).filter((f) => /^\d+.*\.ts$/.test(f));
    const listed = MIGRATIONS.map((m) => m.name);
    for (const file of files) {
      const source = fs.readFileSync(path.join(dir, file), 'utf8');
      const className = /export class (\w+)/.exec(source)?.[1];
      expect(listed).toContain(className);
    }
    expect(listed).toHaveLength(files.length);
  });

  it('after all migrations the schema matches the entities (no drift), on the database under test', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlwb-drift-'));
    const adminUrl = testDatabaseUrl();
    const scratch = adminUrl ? await createScratchDatabase(adminUrl) : undefined;
    const { dataSource } = await openDatabase(
      AppConfig.fromEnv({ MODEL_REGISTRY_PATH: dir, ...(scratch ? { DATABASE_URL: scratch.url } : {}) }),
      APP_ENTITIES,
    );
    try {
      expect(await pendingSchemaChanges(dataSource)).toEqual([]);
    } finally {
      await dataSource.destroy();
      await scratch?.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
