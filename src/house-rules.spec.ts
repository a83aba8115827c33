/**
 * The rules of the house (../shared/DESIGN.md, "Rules of the house"), checked by reading the
 * sources rather than trusted: which module imports what, whose tables a module's SQL names, and
 * where the container is reached into. Each rule reads every non-test .ts file under src/ and
 * lists the offending file and line, so a failure says what to move.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const SRC = path.join(__dirname);

interface SourceFile {
  rel: string; // e.g. training/training.runner.ts
  module: string; // first folder under src/, or '' for the top level
  text: string;
}

function sourceFiles(): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'public' && entry.name !== 'node_modules') walk(full);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts')) {
        const rel = path.relative(SRC, full).split(path.sep).join('/');
        out.push({ rel, module: rel.includes('/') ? rel.split('/')[0] : '', text: fs.readFileSync(full, 'utf8') });
      }
    }
  };
  walk(SRC);
  return out;
}

/** `from '…'` and `require('…')` specifiers of a file, resolved to a path under src/ when relative. */
function importsOf(file: SourceFile): Array<{ target: string; line: number }> {
  const found: Array<{ target: string; line: number }> = [];
  const lines = file.text.split('\n');
  lines.forEach((text, i) => {
    for (const m of text.matchAll(/(?:from\s+|require\(\s*|import\(\s*)'([^']+)'/g)) {
      const spec = m[1];
      if (!spec.startsWith('.')) continue;
      const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file.rel), spec));
      found.push({ target: resolved, line: i + 1 });
    }
  });
  return found;
}

const moduleOf = (rel: string): string => (rel.includes('/') ? rel.split('/')[0] : '');
const files = sourceFiles();

/** Which module owns each table (the entity's folder). */
function tableOwners(): Map<string, string> {
  const owners = new Map<string, string>();
  for (const f of files) {
    for (const m of f.text.matchAll(/@Entity\(\{\s*name:\s*'([a-z_]+)'/g)) owners.set(m[1], f.module);
  }
  return owners;
}

describe('rules of the house (read from the sources)', () => {
  it('finds the modules and their tables (the checks below read something)', () => {
    const owners = tableOwners();
    expect(owners.get('training_jobs')).toBe('training');
    expect(owners.get('model_versions')).toBe('models');
    expect(owners.get('runs')).toBe('experiments');
    expect(owners.get('deployments')).toBe('deployment');
    expect(files.length).toBeGreaterThan(200);
  });

  it('database/ imports no feature module: it only opens the connection and runs migrations', () => {
    const allowed = new Set(['database', 'config', 'common', '']);
    const offending = files
      .filter((f) => f.module === 'database')
      .flatMap((f) =>
        importsOf(f)
          // ../migrations is the migration list the module runs; everything else must be its own.
          .filter((i) => !i.target.startsWith('../migrations') && !allowed.has(moduleOf(i.target)))
          .map((i) => `${f.rel}:${i.line} imports ${i.target}`),
      );
    expect(offending).toEqual([]);
  });

  it("no module's SQL names a table another module owns", () => {
    const owners = tableOwners();
    const offending: string[] = [];
    for (const f of files) {
      if (f.module === '' || f.rel.startsWith('database/')) continue;
      // SQL sits in template or quoted strings; table names follow FROM/JOIN/UPDATE/INTO/TABLE.
      const lines = f.text.split('\n');
      lines.forEach((text, i) => {
        for (const m of text.matchAll(/\b(?:FROM|JOIN|UPDATE|INTO|TABLE)\s+"?([a-z_]+)"?/g)) {
          const owner = owners.get(m[1]);
          if (owner && owner !== f.module) offending.push(`${f.rel}:${i + 1} uses ${m[1]} (owned by ${owner})`);
        }
      });
    }
    expect(offending).toEqual([]);
  });

  it("no module imports another module's repositories or entities' SQL helpers", () => {
    const offending = files.flatMap((f) =>
      importsOf(f)
        .filter((i) => moduleOf(i.target) !== f.module && /repository$/.test(i.target))
        .map((i) => `${f.rel}:${i.line} imports ${i.target}`),
    );
    expect(offending).toEqual([]);
  });

  it('nobody reaches into the container for another module (no ModuleRef lookups with strict: false)', () => {
    const offending = files.filter((f) => /strict:\s*false/.test(f.text)).map((f) => f.rel);
    expect(offending).toEqual([]);
  });

  it('prediction does not import deployment (deployment → prediction only, changes come as events)', () => {
    const offending = files
      .filter((f) => f.module === 'prediction')
      .flatMap((f) =>
        importsOf(f)
          .filter((i) => moduleOf(i.target) === 'deployment')
          .map((i) => `${f.rel}:${i.line} imports ${i.target}`),
      );
    expect(offending).toEqual([]);
  });

  it('ml/ knows tensors only: no HTTP, no database, no other feature module', () => {
    const forbiddenPackages = /from '(@nestjs\/(platform-|typeorm|swagger)|typeorm|pg|pg-boss|fastify)/;
    const allowedModules = new Set(['ml', 'common', 'config']);
    const offending = files
      .filter((f) => f.module === 'ml')
      .flatMap((f) => [
        ...(forbiddenPackages.test(f.text) ? [`${f.rel} imports a database or HTTP package`] : []),
        ...importsOf(f)
          .filter((i) => !allowedModules.has(moduleOf(i.target)))
          .map((i) => `${f.rel}:${i.line} imports ${i.target}`),
      ]);
    expect(offending).toEqual([]);
  });

  it("only training and prediction drive ml/ (metrics reads the backend's memory gauge; others import types only)", () => {
    // '' is the top level (main.ts, early-start.ts): the composition root starts the backend early.
    const drivers = new Set(['', 'ml', 'training', 'prediction', 'metrics']);
    const offending = files
      .filter((f) => !drivers.has(f.module))
      .flatMap((f) =>
        f.text
          .split('\n')
          .map((line, i) => ({ line, n: i + 1 }))
          .filter(({ line }) => /^import (?!type )/.test(line) || /require\(/.test(line))
          .flatMap(({ line, n }) =>
            [...line.matchAll(/'(\.[^']+)'/g)]
              .map((m) => path.posix.normalize(path.posix.join(path.posix.dirname(f.rel), m[1])))
              .filter((target) => moduleOf(target) === 'ml')
              .map((target) => `${f.rel}:${n} imports ${target}`),
          ),
      );
    expect(offending).toEqual([]);
  });

  it("artifact files are the models module's: nobody else imports models/artifacts internals", () => {
    const offending = files
      .filter((f) => f.module !== 'models')
      .flatMap((f) =>
        importsOf(f)
          .filter((i) => /^models\/artifacts\/artifact-store/.test(i.target))
          .map((i) => `${f.rel}:${i.line} imports ${i.target}`),
      );
    expect(offending).toEqual([]);
  });

  it('no source file is over 400 lines', () => {
    const long = files.map((f) => ({ rel: f.rel, n: f.text.split('\n').length })).filter((f) => f.n > 400);
    expect(long.map((f) => `${f.rel}: ${f.n} lines`)).toEqual([]);
  });
});
