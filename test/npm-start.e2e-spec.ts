import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { npmStartArgs, spawnService, waitHealthy, type ServiceProcess } from './support/service-process';

const ROOT = path.resolve(__dirname, '..');
// Plain JavaScript run by npm itself (start, postinstall): loaded as it is, not through Jest's transform.
const compiled = require(path.join(ROOT, 'scripts', 'compiled-sources.js')) as {
  ensureCompiled: (cacheDir?: string) => { dir: string; built: boolean };
};

/**
 * `npm start` (scripts/start.js) runs a compiled copy of the sources from node_modules/.cache;
 * these check that it is the service the TypeScript sources are, as a user sees it.
 */
describe('npm start: the compiled copy of the sources', () => {
  const dirs: string[] = [];
  let svc: ServiceProcess | undefined;
  const tempDir = (prefix: string) => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    if (svc?.child.exitCode === null) svc.child.kill('SIGKILL');
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('npm start runs scripts/start.js with node', () => {
    expect(npmStartArgs()).toEqual(['scripts/start.js']);
  });

  it('serves what the sources serve: version, dashboard assets, the OpenAPI document; stops cleanly on SIGTERM', async () => {
    const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;
    svc = await spawnService({ MODEL_REGISTRY_PATH: tempDir('mlwb-npm-start-') }, { npmStart: true });
    await waitHealthy(svc, 120_000);
    const health = (await (await fetch(`${svc.url}/health`)).json()) as { version?: string };
    expect(health.version).toBe(version);
    // Found back in src/dashboard/public from the copy in node_modules/.cache.
    const ui = await fetch(`${svc.url}/ui`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('<html');
    expect((await fetch(`${svc.url}/ui/assets/app.js`)).status).toBe(200);
    // Built on this first request, not at start.
    const doc = (await (await fetch(`${svc.url}/docs-json`)).json()) as {
      info: { version: string };
      paths: Record<string, unknown>;
    };
    expect(doc.info.version).toBe(version);
    expect(Object.keys(doc.paths)).toContain('/api/v1/models');
    const ready = await fetch(`${svc.url}/health/ready`);
    expect(ready.status).toBe(200);
    svc.child.kill('SIGTERM');
    expect(await svc.exited).toEqual({ code: 0, signal: null });
    expect(svc.output()).toContain('stopped cleanly');
    expect(svc.output()).not.toContain('@swc-node/register'); // no fallback line: the copy ran
    for (const line of svc.stdout().split('\n').filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
  }, 180_000);

  it('builds a copy once per set of sources and reuses it; its migrations give the template swc-node gives', () => {
    // Under the project, as the real cache is, so that the copy finds node_modules.
    const cache = path.join(ROOT, 'node_modules', '.cache', 'ml-workbench-service', `compiled-test-${process.pid}`);
    dirs.push(cache);
    const first = compiled.ensureCompiled(cache);
    expect(first.built).toBe(true);
    expect(fs.existsSync(path.join(first.dir, 'src', 'main.js'))).toBe(true);
    expect(fs.existsSync(path.join(first.dir, 'src', 'main.js.map'))).toBe(true);
    expect(fs.existsSync(path.join(first.dir, 'src', 'training', 'thread', 'training-thread.js'))).toBe(true);
    expect(compiled.ensureCompiled(cache)).toEqual({ dir: first.dir, built: false });
    // The embedded template's name hashes the migrations' code: the postinstall (swc-node) and
    // npm start (the copy) must agree, or a fresh start would build its own template (seconds).
    const key = (args: string[], file: string) =>
      spawnSync(
        process.execPath,
        [
          ...args,
          '-e',
          `require('reflect-metadata'); process.stdout.write(require(${JSON.stringify(file)}).templateKey())`,
        ],
        { cwd: ROOT, encoding: 'utf8' },
      );
    const fromCopy = key([], path.join(first.dir, 'src', 'database', 'embedded-template.js'));
    const fromSources = key(['-r', '@swc-node/register'], path.join(ROOT, 'src', 'database', 'embedded-template.ts'));
    expect(fromCopy.stderr).toBe('');
    expect(fromCopy.stdout).toMatch(/^pgdata-/);
    expect(fromCopy.stdout).toBe(fromSources.stdout);
  }, 120_000);
});
