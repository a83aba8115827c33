import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEPLOYMENT_VARIABLES } from './deployment-options';
import { environmentVariableNames } from './environment-names';

/**
 * The README's environment table and the variables the service reads must agree: every
 * variable of src/config is documented, and the table names none that the service ignores.
 * A row may name several variables, later ones by their suffix only:
 * `EXPERIMENT_TRACKING_TIMEOUT_MS` / `_RETRIES` / `_BACKOFF_MS`.
 */
function documentedVariables(readme: string): { named: Set<string>; covered: Set<string> } {
  const section = readme.slice(readme.indexOf('## Environment'));
  const table = section.slice(0, section.indexOf('\n## ', 1));
  /** Names written out in full. */
  const named = new Set<string>();
  /** Those, and every name a suffix could stand for. */
  const covered = new Set<string>();
  for (const line of table.split('\n')) {
    if (!line.startsWith('| `')) continue;
    const tokens = [...line.split('|')[1].matchAll(/`([A-Z_][A-Z0-9_]*)`/g)].map((m) => m[1]);
    const [full] = tokens;
    for (const token of tokens) {
      if (!token.startsWith('_')) {
        named.add(token);
        covered.add(token);
        continue;
      }
      // A suffix: the first name's prefix up to one of its underscores, then the suffix.
      const parts = full.split('_');
      for (let i = 1; i < parts.length; i++) covered.add(`${parts.slice(0, i).join('_')}${token}`);
    }
  }
  return { named, covered };
}

describe('README environment table', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const { named, covered } = documentedVariables(readme);
  const read = [...environmentVariableNames(), ...DEPLOYMENT_VARIABLES];

  it('documents every variable the configuration reads', () => {
    expect(read.filter((v) => !covered.has(v))).toEqual([]);
  });

  it('names no variable the configuration does not read', () => {
    expect([...named].filter((v) => !read.includes(v))).toEqual([]);
  });

  it('the parser sees the known rows, suffix rows included', () => {
    for (const v of [
      'LOG_LEVEL',
      'EXPERIMENT_TRACKING_RETRIES',
      'EXPERIMENT_TRACKING_BACKOFF_MS',
      'DEPLOYMENT_NOTIFY_RETRIES',
      'FEATURE_STORE_RETRIES',
      'MONITORING_FLUSH_MS',
    ])
      expect(covered.has(v)).toBe(true);
    expect(named.size).toBeGreaterThan(40);
  });
});
