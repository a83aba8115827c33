import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { testDatabaseUrl } from '../../test/support/test-database';
import { AppConfig } from '../config/app-config';
import { openDatabase, type DatabaseHandle } from './data-source.factory';
import { ensureTemplate, TEMPLATE_MANIFEST, TemplateCacheUnusableError, templateKey } from './embedded-template';
import { pendingSchemaChanges } from './schema-drift';

/** Everything that makes up the public schema, in a stable order: tables, columns, indexes, constraints, applied migrations. */
async function schemaOf(ds: DataSource): Promise<Record<string, unknown>> {
  return {
    columns: await ds.query(
      `SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default, character_maximum_length, numeric_precision
         FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, column_name`,
    ),
    indexes: await ds.query(
      `SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY tablename, indexname`,
    ),
    constraints: await ds.query(
      `SELECT t.relname AS table, c.conname, pg_get_constraintdef(c.oid) AS def
         FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = 'public' ORDER BY t.relname, c.conname`,
    ),
    types: await ds.query(
      `SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder) AS labels
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = 'public' GROUP BY t.typname ORDER BY t.typname`,
    ),
    migrations: (await ds.query(`SELECT name FROM migrations ORDER BY id`)).map((r: { name: string }) => r.name),
    schemas: (
      await ds.query(
        `SELECT schema_name FROM information_schema.schemata WHERE schema_name NOT LIKE 'pg_%' AND schema_name <> 'information_schema' ORDER BY 1`,
      )
    ).map((r: { schema_name: string }) => r.schema_name),
  };
}

// The template is the embedded database's: on a TEST_DATABASE_URL run there is nothing of it to test.
const describeEmbedded = testDatabaseUrl() ? describe.skip : describe;

describeEmbedded('embedded database template', () => {
  const scratch: string[] = [];
  const tmp = (prefix: string) => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    scratch.push(d);
    return d;
  };
  const open = (registry: string, templateDir: string) =>
    openDatabase(AppConfig.fromEnv({ MODEL_REGISTRY_PATH: registry, EMBEDDED_DB_TEMPLATE_DIR: templateDir }));
  afterAll(() => {
    for (const d of scratch) fs.rmSync(d, { recursive: true, force: true });
  });

  it('a fresh directory is a copy of the migrated template, with the schema of a freshly migrated database and no rows', async () => {
    const handles: DatabaseHandle[] = [];
    const rowsIn = async (ds: DataSource) => {
      const tables: Array<{ table_name: string }> = await ds.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'migrations'`,
      );
      expect(tables.length).toBeGreaterThan(5);
      const counts: Record<string, number> = {};
      for (const { table_name } of tables)
        counts[table_name] = Number((await ds.query(`SELECT count(*) AS n FROM "${table_name}"`))[0].n);
      return counts;
    };
    try {
      // An empty cache: the first start builds the template there (initdb + every migration:
      // a freshly migrated database), then copies it.
      const cache = tmp('mlwb-template-cache-');
      const fresh = await open(tmp('mlwb-tpl-a-'), cache);
      handles.push(fresh);
      expect(fresh.prepared?.source).toBe('new-template');
      expect(fresh.prepared?.template).toBe(path.join(cache, templateKey()));
      const manifest = JSON.parse(fs.readFileSync(path.join(cache, templateKey(), TEMPLATE_MANIFEST), 'utf8'));
      expect(manifest.migrations).toEqual(MIGRATIONS.map((m) => m.name));
      // A row written in a database made from the template must never reach the template.
      await fresh.dataSource.query(`INSERT INTO experiments (name) VALUES ('written after the copy')`);

      // The next fresh directory is copied from that template: nothing rebuilt, nothing half-built left beside it.
      const registry = tmp('mlwb-tpl-b-');
      const copied = await open(registry, cache);
      handles.push(copied);
      expect(copied.prepared?.source).toBe('template');
      expect(fs.existsSync(path.join(registry, '.pgdata', TEMPLATE_MANIFEST))).toBe(true);
      expect(fs.readdirSync(cache)).toEqual([templateKey()]);
      expect(Object.values(await rowsIn(copied.dataSource)).every((n) => n === 0)).toBe(true);

      // The template npm start uses (the default cache: built by postinstall, or by the first
      // embedded start on this machine) has the schema of the freshly migrated one, and no rows.
      const usual = await open(tmp('mlwb-tpl-c-'), AppConfig.fromEnv({}).embeddedTemplateDir!);
      handles.push(usual);
      expect(['template', 'new-template']).toContain(usual.prepared?.source);
      const schema = await schemaOf(usual.dataSource);
      expect(schema).toEqual(await schemaOf(fresh.dataSource));
      expect(await pendingSchemaChanges(usual.dataSource)).toEqual([]);
      // Schema only: not even the job queue's schema (pg-boss creates it at start); no rows but the migration log.
      expect(schema.schemas).toEqual(['public']);
      expect(Object.entries(await rowsIn(usual.dataSource)).filter(([, n]) => n !== 0)).toEqual([]);

      // Reopening a directory that holds a database opens it as it is.
      await copied.dataSource.destroy();
      handles.splice(handles.indexOf(copied), 1);
      const reopened = await open(registry, cache);
      handles.push(reopened);
      expect(reopened.prepared?.source).toBe('existing');
    } finally {
      for (const h of handles) await h.dataSource.destroy();
    }
  });

  it('a cache directory that cannot be one is reported as unusable before any work (the start then runs initdb instead)', async () => {
    const file = path.join(tmp('mlwb-template-file-'), 'not-a-directory');
    fs.writeFileSync(file, '');
    await expect(ensureTemplate(file)).rejects.toBeInstanceOf(TemplateCacheUnusableError);
    await expect(ensureTemplate(path.join(file, 'below'))).rejects.toBeInstanceOf(TemplateCacheUnusableError);
  });

  it('a new or edited migration, or another PGlite, gets a template of its own', () => {
    const key = templateKey();
    expect(key).toMatch(/^pgdata-\d+\.\d+\.\d+-[0-9a-f]{16}$/);
    expect(templateKey([...MIGRATIONS])).toBe(key);
    class AddSomething1999999999999 {
      async up(): Promise<void> {}
    }
    expect(templateKey([...MIGRATIONS, AddSomething1999999999999])).not.toBe(key);
    // Same class name, other code: an edited migration.
    const last = MIGRATIONS[MIGRATIONS.length - 1];
    const edited = {
      [last.name]: class {
        async up(): Promise<void> {
          /* changed */
        }
      },
    }[last.name];
    expect(edited.name).toBe(last.name);
    expect(templateKey([...MIGRATIONS.slice(0, -1), edited])).not.toBe(key);
  });
});
