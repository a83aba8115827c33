/**
 * The parts of an embedded start, each timed in a process of its own (so each pays what it pays
 * in a real start: loading its code, compiling PGlite's WebAssembly). Run by
 * `npm run bench:startup -- --parts`, or alone: `node -r @swc-node/register bench/startup-parts.ts <part> <dir>`.
 * Prints one JSON line: {part, wall_ms, cpu_ms} (CPU: this process, all threads).
 */
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataSource } from 'typeorm';
import type * as EmbeddedTemplate from '../src/database/embedded-template';
import type * as PgliteDataSource from '../src/database/pglite-data-source';
import type * as TemplateCacheDir from '../src/database/template-cache-dir';
import type * as BossAdapter from '../src/training/queue/pglite-boss-adapter';
import type * as MlBackend from '../src/ml/backend';

// Loaded with require inside run(), not imported: the `modules` part must start from a process that has loaded nothing.

export const PARTS = {
  modules:
    'load every module of the service (require src/app.factory: Nest, Fastify, TypeORM, class-validator, Swagger, the service)',
  initdb: 'PGlite initdb in a new directory (no template)',
  migrations: 'all migrations on a new PGlite database',
  template_copy: 'copy the cached template into a new directory',
  pglite_open: 'open an existing PGlite directory (+ TypeORM initialise, migrations check)',
  queue_install: 'pg-boss start on a database without its schema (installs it)',
  queue_start: 'pg-boss start on a database that has its schema',
  tfjs_backend: 'TensorFlow.js backend selection and init (TF_BACKEND=auto)',
} as const;
export type Part = keyof typeof PARTS;

async function run(part: Part, dir: string): Promise<void> {
  if (part === 'modules') {
    const cpu = process.cpuUsage();
    const started = performance.now();
    require('../src/app.factory');
    const used = process.cpuUsage(cpu);
    process.stdout.write(
      `${JSON.stringify({ part, wall_ms: Math.round(performance.now() - started), cpu_ms: Math.round((used.user + used.system) / 1000) })}\n`,
    );
    return;
  }
  const { pgliteDataSource } = require('../src/database/pglite-data-source') as typeof PgliteDataSource;
  const { ensureTemplate } = require('../src/database/embedded-template') as typeof EmbeddedTemplate;
  const { defaultTemplateCacheDir } = require('../src/database/template-cache-dir') as typeof TemplateCacheDir;
  const template = async () => (await ensureTemplate(defaultTemplateCacheDir()!)).dir;
  const copy = async (to: string) => fs.cpSync(await template(), to, { recursive: true });
  const boss = async (ds: DataSource) => {
    const { pgliteBossDatabase } = require('../src/training/queue/pglite-boss-adapter') as typeof BossAdapter;
    const { PgBoss } = require('pg-boss') as typeof import('pg-boss');
    return new PgBoss({
      db: pgliteBossDatabase(ds),
      backend: 'pglite',
      schema: 'pgboss',
      supervise: false,
      schedule: false,
    });
  };
  const data = path.join(dir, 'pgdata');
  // Preconditions, untimed.
  if (part === 'pglite_open' || part === 'queue_install') await copy(data);
  if (part === 'queue_start') await copy(data);
  if (part === 'migrations') {
    const { PGlite } = require('@electric-sql/pglite') as typeof import('@electric-sql/pglite');
    await (await PGlite.create(data)).close(); // initdb only
  }
  if (part === 'queue_start') {
    const ds = await pgliteDataSource(data);
    await ds.initialize();
    const b = await boss(ds);
    await b.start();
    await b.stop({ graceful: false });
    await ds.destroy();
  }
  let ds: DataSource | undefined;
  if (part === 'queue_install' || part === 'queue_start') {
    ds = await pgliteDataSource(data);
    await ds.initialize();
  }
  const cpu = process.cpuUsage();
  const started = performance.now();
  switch (part) {
    case 'initdb': {
      const { PGlite } = require('@electric-sql/pglite') as typeof import('@electric-sql/pglite');
      await (await PGlite.create(data)).close();
      break;
    }
    case 'migrations':
    case 'pglite_open': {
      const d = await pgliteDataSource(data);
      await d.initialize();
      await d.runMigrations({ transaction: 'each' });
      ds = d;
      break;
    }
    case 'template_copy':
      await template(); // untimed when cached; the copy is what a start does
      break;
    case 'queue_install':
    case 'queue_start': {
      const b = await boss(ds as DataSource);
      await b.start();
      await b.stop({ graceful: false });
      break;
    }
    case 'tfjs_backend': {
      const { initTfBackend } = require('../src/ml/backend') as typeof MlBackend;
      await initTfBackend('auto', {});
      break;
    }
  }
  let wall = performance.now() - started;
  let used = process.cpuUsage(cpu);
  if (part === 'template_copy') {
    // The template lookup above is not part of the copy: time the copy alone.
    const c = process.cpuUsage();
    const t = performance.now();
    fs.cpSync(await template(), data, { recursive: true, mode: fs.constants.COPYFILE_FICLONE });
    wall = performance.now() - t;
    used = process.cpuUsage(c);
  }
  process.stdout.write(
    `${JSON.stringify({ part, wall_ms: Math.round(wall), cpu_ms: Math.round((used.user + used.system) / 1000) })}\n`,
  );
  await ds?.destroy();
}

if (require.main === module) {
  const [part, dir] = process.argv.slice(2);
  if (!(part in PARTS) || !dir) {
    process.stderr.write(`usage: startup-parts.ts <${Object.keys(PARTS).join('|')}> <scratch dir>\n`);
    process.exit(2);
  }
  run(part as Part, dir).then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`${(e as Error).stack}\n`);
      process.exit(1);
    },
  );
}
