import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MIGRATIONS } from '../../migrations';
import { pgliteDataSource } from './pglite-data-source';
import { pgliteRoot } from './template-cache-dir';

/**
 * A fresh embedded database starts from a template: a PGlite data directory that holds what
 * initdb writes plus every migration, and nothing else (it is built from scratch in the cache,
 * never from a user's directory, before demo data or the job queue's schema exist). Copying it
 * takes ~0.1 s where initdb + migrations take 4–8 s. The template's name is a hash of the PGlite
 * version and of every migration's compiled code, so a new or edited migration, or another
 * PGlite, never reuses an old template. Migrations still run after the copy (a no-op when the
 * template is complete), so a template can make a start faster but never change its schema.
 */

/** Marks a directory as a PGlite/PostgreSQL data directory. */
const PG_VERSION = 'PG_VERSION';
/** Written into each template (and so into each data directory made from one): where it came from. */
export const TEMPLATE_MANIFEST = 'mlwb-template.json';
/** How many templates of other keys (other branches, older migrations) a cache keeps. */
const KEEP_OTHER_TEMPLATES = 2;

export type DataDirSource = 'existing' | 'template' | 'new-template' | 'initdb';

export interface PreparedDataDir {
  /** existing: opened as it was; template: copied from the cache; new-template: the template was built first; initdb: no template (off or cache not writable). */
  source: DataDirSource;
  /** Time spent preparing the directory (template build + copy, or initdb + migrations). */
  ms: number;
  template?: string;
  /** Why there was no template although one was asked for. */
  note?: string;
}

export function pgliteVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(pgliteRoot(), 'package.json'), 'utf8')) as { version: unknown };
  return String(pkg.version);
}

/** The template's directory name: PGlite version + a hash of every migration (name and code). */
export function templateKey(migrations: Function[] = MIGRATIONS): string {
  const hash = createHash('sha256');
  hash.update(`format 1\npglite ${pgliteVersion()}\n`);
  for (const m of migrations) hash.update(`${m.name}\n${createHash('sha256').update(m.toString()).digest('hex')}\n`);
  return `pgdata-${pgliteVersion()}-${hash.digest('hex').slice(0, 16)}`;
}

export function isDataDir(dir: string): boolean {
  return fs.existsSync(path.join(dir, PG_VERSION));
}

/** initdb (PGlite creates the empty directory) + every migration, then a clean shutdown. */
async function initialiseDataDir(dir: string): Promise<void> {
  const dataSource = await pgliteDataSource(dir);
  try {
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
}

/** The cache directory cannot hold a template (read-only, not a directory, …): a start goes on without one. */
export class TemplateCacheUnusableError extends Error {
  constructor(cacheDir: string, cause: Error) {
    super(`cannot use ${cacheDir} for the embedded database template: ${cause.message}`);
    this.name = 'TemplateCacheUnusableError';
  }
}

/**
 * The template for the current migrations in `cacheDir`, built there first when missing.
 * Safe with several processes: each builds in a directory of its own and renames it into
 * place; a reader only ever sees a complete template.
 */
export async function ensureTemplate(
  cacheDir: string,
  migrations: Function[] = MIGRATIONS,
): Promise<{ dir: string; built: boolean }> {
  const key = templateKey(migrations);
  const dir = path.join(cacheDir, key);
  if (isDataDir(dir)) return { dir, built: false };
  let building: string;
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    building = fs.mkdtempSync(path.join(cacheDir, `.building-${key}-`));
  } catch (e) {
    throw new TemplateCacheUnusableError(cacheDir, e as Error);
  }
  try {
    fs.rmdirSync(building); // PGlite creates the directory itself
    await initialiseDataDir(building);
    const manifest = {
      key,
      pglite: pgliteVersion(),
      migrations: migrations.map((m) => m.name),
      created_at: new Date().toISOString(),
      contents: 'initdb + migrations only (no rows of any user or demo data)',
    };
    fs.writeFileSync(path.join(building, TEMPLATE_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    try {
      fs.renameSync(building, dir);
    } catch (e) {
      if (!isDataDir(dir)) throw e; // else another process finished first: use its template
    }
  } finally {
    fs.rmSync(building, { recursive: true, force: true });
  }
  pruneOtherTemplates(cacheDir, key);
  return { dir, built: true };
}

function pruneOtherTemplates(cacheDir: string, key: string): void {
  try {
    const others = fs
      .readdirSync(cacheDir)
      .filter((n) => n.startsWith('pgdata-') && n !== key)
      .map((n) => ({ n, mtime: fs.statSync(path.join(cacheDir, n)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
    for (const { n } of others.slice(KEEP_OTHER_TEMPLATES))
      fs.rmSync(path.join(cacheDir, n), { recursive: true, force: true });
    // A build whose process was killed leaves its directory; one untouched for an hour is not being built any more.
    for (const n of fs.readdirSync(cacheDir).filter((n) => n.startsWith('.building-'))) {
      if (Date.now() - fs.statSync(path.join(cacheDir, n)).mtimeMs > 3_600_000)
        fs.rmSync(path.join(cacheDir, n), { recursive: true, force: true });
    }
  } catch {
    /* pruning is housekeeping: never fail a start over it */
  }
}

/** A directory that does not exist, or exists and is empty (a user may have created it). */
function absentOrEmpty(dir: string): boolean {
  try {
    return fs.readdirSync(dir).length === 0;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw e;
  }
}

/**
 * Makes `dataDir` a migrated database when it is not one yet: a copy of the template (built
 * first when missing), or initdb + migrations when `cacheDir` is null or not writable. The new
 * directory is assembled beside it and renamed into place, so a crash half-way never leaves a
 * half-initialised database behind. The caller holds the embedded-database lock on `dataDir`.
 */
export async function prepareEmbeddedDataDir(dataDir: string, cacheDir: string | null): Promise<PreparedDataDir> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  if (!absentOrEmpty(dataDir)) return { source: 'existing', ms: ms() };
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  const incoming = `${dataDir}.incoming`;
  let note: string | undefined;
  fs.rmSync(incoming, { recursive: true, force: true }); // left by a start that crashed here
  try {
    if (cacheDir) {
      let template: { dir: string; built: boolean } | undefined;
      try {
        template = await ensureTemplate(cacheDir);
      } catch (e) {
        if (!(e instanceof TemplateCacheUnusableError)) throw e;
        note = e.message; // e.g. a read-only node_modules in an image: initdb here instead
      }
      if (template) {
        // A reflink where the filesystem has them, a plain copy elsewhere; never a hard link
        // (PostgreSQL writes its files in place, which would change the template).
        fs.cpSync(template.dir, incoming, { recursive: true, mode: fs.constants.COPYFILE_FICLONE });
        install(incoming, dataDir);
        return { source: template.built ? 'new-template' : 'template', ms: ms(), template: template.dir };
      }
    }
    await initialiseDataDir(incoming);
    install(incoming, dataDir);
    return { source: 'initdb', ms: ms(), ...(note ? { note } : {}) };
  } finally {
    fs.rmSync(incoming, { recursive: true, force: true });
  }
}

function install(incoming: string, dataDir: string): void {
  try {
    fs.rmdirSync(dataDir); // absent or empty (checked above); rmdir refuses anything else
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  fs.renameSync(incoming, dataDir);
}
