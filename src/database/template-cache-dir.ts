import * as path from 'node:path';

/** The installed PGlite package's directory (its package.json is not in its exports map: go up from the entry point). */
export function pgliteRoot(): string {
  return path.resolve(path.dirname(require.resolve('@electric-sql/pglite')), '..');
}

/**
 * Where the embedded database's template is cached by default:
 * node_modules/.cache/ml-workbench-service/embedded-db (reinstalling the dependencies clears it).
 * Null where PGlite is not installed (nothing embedded can start there anyway; PostgreSQL can).
 */
export function defaultTemplateCacheDir(): string | null {
  try {
    return path.resolve(pgliteRoot(), '..', '..', '.cache', 'ml-workbench-service', 'embedded-db');
  } catch {
    return null;
  }
}
