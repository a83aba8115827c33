'use strict';
/**
 * The compiled copy of the service's sources that `npm start` runs (scripts/start.js).
 *
 * Layout: node_modules/.cache/ml-workbench-service/compiled/<key>/{src,migrations}/…js (+ .js.map),
 * where <key> hashes every .ts file under src/ and migrations/ (path and content), tsconfig.json,
 * and the versions of @swc/core, @swc-node/core and @swc-node/register. Each file is compiled
 * exactly as `node -r @swc-node/register` compiles it (its tsconfig-derived options, CommonJS),
 * so the code that runs is the code swc-node would have run. A copy is built in a directory of
 * its own and renamed into place: concurrent starts never see half of one.
 *
 * Only Node built-ins are loaded when the copy exists (a hash of ~1.3 MB of sources, ~20 ms);
 * TypeScript and swc are loaded only to build one.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const SOURCE_DIRS = ['src', 'migrations'];
/** Bump when the layout or the way files are compiled changes. */
const FORMAT = 'compiled-sources 1';
/** Copies for other keys (other branches, earlier edits) kept beside the current one. */
const KEEP_OTHERS = 2;

function defaultCacheDir() {
  return path.join(ROOT, 'node_modules', '.cache', 'ml-workbench-service', 'compiled');
}

/** Every file compiled: .ts under src/ and migrations/, not declarations or tests; sorted, relative to ROOT. */
function sourceFiles() {
  const out = [];
  const walk = (rel) => {
    for (const d of fs.readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
      const r = `${rel}/${d.name}`;
      if (d.isDirectory()) walk(r);
      else if (d.isFile() && r.endsWith('.ts') && !r.endsWith('.d.ts') && !r.endsWith('.spec.ts')) out.push(r);
    }
  };
  for (const dir of SOURCE_DIRS) walk(dir);
  return out.sort();
}

/** The directory of package `name` as `require` finds it from `from` (package.json need not be exported). */
function packageDir(name, from) {
  for (const dir of nodeModulePaths(from)) {
    if (fs.existsSync(path.join(dir, name, 'package.json'))) return path.join(dir, name);
  }
  throw new Error(`${name} is not installed`);
}

function nodeModulePaths(from) {
  const out = [];
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (path.basename(dir) !== 'node_modules') out.push(path.join(dir, 'node_modules'));
    if (path.dirname(dir) === dir) return out;
  }
}

function packageVersion(name, from) {
  return JSON.parse(fs.readFileSync(path.join(packageDir(name, from), 'package.json'), 'utf8')).version;
}

/** @swc-node/register's directory; its own dependencies are resolved from there. */
function swcNodeDir() {
  return packageDir('@swc-node/register', ROOT);
}

function cacheKey(files) {
  const hash = crypto.createHash('sha256');
  const reg = swcNodeDir();
  hash.update(`${FORMAT}\nnode-major ${process.versions.node.split('.')[0]}\n`);
  hash.update(
    `@swc-node/register ${packageVersion('@swc-node/register', ROOT)}\n@swc-node/core ${packageVersion('@swc-node/core', reg)}\n@swc/core ${packageVersion('@swc/core', reg)}\n`,
  );
  hash.update(fs.readFileSync(path.join(ROOT, 'tsconfig.json')));
  for (const f of files) {
    hash.update(`\0${f}\0`);
    hash.update(fs.readFileSync(path.join(ROOT, f)));
  }
  return hash.digest('hex').slice(0, 20);
}

/** Compiles `files` into `outDir` with swc-node's own options for tsconfig.json. */
function compileInto(outDir, files) {
  const reg = swcNodeDir();
  const { readDefaultTsConfig, tsCompilerOptionsToSwcConfig } = require(
    require.resolve('@swc-node/register/read-default-tsconfig', { paths: [ROOT] }),
  );
  const { transformSync } = require(require.resolve('@swc-node/core', { paths: [reg] }));
  const ts = require(require.resolve('typescript', { paths: [reg] }));
  const options = readDefaultTsConfig(path.join(ROOT, 'tsconfig.json'));
  options.module = ts.ModuleKind.CommonJS; // as register() does
  delete options.inlineSourceMap;
  for (const rel of files) {
    const filename = path.join(ROOT, rel);
    const swcOptions = tsCompilerOptionsToSwcConfig(options, filename);
    swcOptions.sourcemap = true; // a map file beside the code, read only when a stack is printed
    const { code, map } = transformSync(fs.readFileSync(filename, 'utf8'), filename, swcOptions);
    const out = path.join(outDir, rel.replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, map ? `${code}\n//# sourceMappingURL=${path.basename(out)}.map\n` : code);
    if (map) fs.writeFileSync(`${out}.map`, map);
  }
}

/**
 * The compiled copy for the sources as they are now, built first when missing.
 * Returns its directory and whether this call built it.
 */
function ensureCompiled(cacheDir = defaultCacheDir()) {
  const files = sourceFiles();
  const key = cacheKey(files);
  const dir = path.join(cacheDir, key);
  const done = path.join(dir, 'manifest.json');
  if (fs.existsSync(done)) return { dir, built: false };
  fs.mkdirSync(cacheDir, { recursive: true });
  const building = fs.mkdtempSync(path.join(cacheDir, `.building-${key}-`));
  try {
    compileInto(building, files);
    fs.writeFileSync(
      path.join(building, 'manifest.json'),
      `${JSON.stringify({ key, format: FORMAT, files: files.length, created_at: new Date().toISOString() }, null, 2)}\n`,
    );
    try {
      fs.renameSync(building, dir);
    } catch (e) {
      if (!fs.existsSync(done)) throw e; // else another start finished first: use its copy
    }
  } finally {
    fs.rmSync(building, { recursive: true, force: true });
  }
  pruneOthers(cacheDir, key);
  return { dir, built: true };
}

function pruneOthers(cacheDir, key) {
  try {
    const others = fs
      .readdirSync(cacheDir)
      .filter((n) => n !== key && !n.startsWith('.'))
      .map((n) => ({ n, mtime: fs.statSync(path.join(cacheDir, n)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
    for (const { n } of others.slice(KEEP_OTHERS)) fs.rmSync(path.join(cacheDir, n), { recursive: true, force: true });
    // A build whose process was killed leaves its directory behind; one an hour old is not being built any more.
    for (const n of fs.readdirSync(cacheDir).filter((n) => n.startsWith('.building-'))) {
      if (Date.now() - fs.statSync(path.join(cacheDir, n)).mtimeMs > 3_600_000)
        fs.rmSync(path.join(cacheDir, n), { recursive: true, force: true });
    }
  } catch {
    /* housekeeping: never fail a start over it */
  }
}

/** The compiled src/main.js to require. Throws where no copy can be had. */
function compiledEntry(cacheDir = defaultCacheDir()) {
  return path.join(ensureCompiled(cacheDir).dir, 'src', 'main.js');
}

module.exports = { compiledEntry, ensureCompiled, defaultCacheDir, sourceFiles, cacheKey };

// `node scripts/compiled-sources.js` (npm ci's postinstall): build the copy now, so the first
// `npm start` finds it. Never fails the install: without swc (a production install) or where the
// cache is not writable, the first start runs through @swc-node/register instead.
if (require.main === module) {
  const say = (msg) => process.stdout.write(`compiled sources for npm start: ${msg}\n`);
  try {
    const started = Date.now();
    const { dir, built } = ensureCompiled();
    say(
      `${built ? 'built' : 'already there'}: ${path.relative(ROOT, dir)}${built ? ` (${((Date.now() - started) / 1000).toFixed(1)} s)` : ''}`,
    );
  } catch (e) {
    say(
      `not built (${e && e.message ? e.message.split('\n')[0] : e}); npm start runs the sources through @swc-node/register`,
    );
  }
}
