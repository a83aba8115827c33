import * as fs from 'node:fs';
import * as path from 'node:path';

const PACKAGE_NAME = 'ml-workbench-service';

/**
 * The directory holding this service's package.json, found upward from `from`: the repository
 * root whether the code runs from src/ (Jest, swc-node), dist/src/ (`nest build`) or the
 * compiled copy `npm start` runs from node_modules/.cache (scripts/compiled-sources.js).
 * Null when none is found (the code was copied somewhere on its own).
 */
export function projectRoot(from: string = __dirname): string | null {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      try {
        if ((JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir;
      } catch {
        /* not a package.json we can read: keep looking */
      }
    }
    if (path.dirname(dir) === dir) return null;
  }
}
