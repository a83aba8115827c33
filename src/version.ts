import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from './common/project-root';

/** The version in package.json (read at start; from src/, dist/src/ or npm start's compiled copy). */
function readVersion(): string {
  const root = projectRoot(__dirname);
  if (!root) return '0.0.0';
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

export const SERVICE_VERSION = readVersion();
