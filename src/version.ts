import * as fs from 'node:fs';
import * as path from 'node:path';

/** The version in package.json (read at start; works from src/ under Jest and from dist/src/). */
function readVersion(): string {
  for (const candidate of ['../package.json', '../../package.json']) {
    const file = path.resolve(__dirname, candidate);
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'ml-workbench-service' && pkg.version) return pkg.version;
    }
  }
  return '0.0.0';
}

export const SERVICE_VERSION = readVersion();
