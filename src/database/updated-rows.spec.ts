import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createScratchDatabase, testDatabaseUrl } from '../../test/support/test-database';
import { AppConfig } from '../config/app-config';
import { openDatabase } from './data-source.factory';
import { updatedRows } from './updated-rows';

describe('updatedRows: the rows of UPDATE … RETURNING through DataSource.query', () => {
  it('is empty when nothing matched and holds the rows when something did, on the database under test', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlwb-returning-'));
    const adminUrl = testDatabaseUrl();
    const scratch = adminUrl ? await createScratchDatabase(adminUrl) : undefined;
    const { dataSource } = await openDatabase(
      AppConfig.fromEnv({ MODEL_REGISTRY_PATH: dir, ...(scratch ? { DATABASE_URL: scratch.url } : {}) }),
    );
    try {
      await dataSource.query(`CREATE TABLE returning_probe (id int, status text)`);
      await dataSource.query(`INSERT INTO returning_probe VALUES (1, 'queued'), (2, 'running')`);
      const none = await dataSource.query(
        `UPDATE returning_probe SET status = 'cancelled' WHERE id = 2 AND status = 'queued' RETURNING id`,
      );
      // The trap this helper exists for: the raw answer is [rows, count], never empty.
      expect(none).toHaveLength(2);
      expect(updatedRows(none)).toEqual([]);
      const one = await dataSource.query(
        `UPDATE returning_probe SET status = 'cancelled' WHERE id = 1 AND status = 'queued' RETURNING id`,
      );
      expect(updatedRows(one)).toEqual([{ id: 1 }]);
    } finally {
      await dataSource.destroy();
      await scratch?.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
