/**
 * The artifact store against the real filesystem (see artifact-store.fixture.ts): integrity on
 * read (every file against the manifest) and path traversal.
 */
import * as fc from 'fast-check';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { AppError } from '../../common/errors/app-error';
import { FILES, outside, root, snapshot, store, tmp } from './artifact-store.fixture';

async function failure(promise: Promise<unknown>): Promise<AppError & { details: Record<string, any> }> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError & { details: Record<string, any> };
  }
  throw new Error('expected the call to fail');
}

describe('integrity on read', () => {
  let dir: string;
  beforeEach(async () => {
    dir = (await store.write('lstm', '1.0.0', FILES())).path;
  });

  it('names the file and the sha256 check when one byte is flipped', async () => {
    const file = path.join(dir, 'model', 'weights.bin');
    const bytes = await fs.readFile(file);
    bytes[1234] ^= 0x01;
    await fs.writeFile(file, bytes);
    const err = await failure(store.read('lstm', '1.0.0'));
    expect([err.status, err.errorType, err.errorCode]).toEqual([500, 'ModelError', 'ARTIFACT_CORRUPT']);
    expect(err.message).toContain('model/weights.bin');
    expect(err.message).toContain('sha256');
    expect(err.details).toMatchObject({
      model_id: 'lstm',
      version: '1.0.0',
      file: 'model/weights.bin',
      check: 'sha256',
    });
  });

  it('names the file and the size check when a file grows', async () => {
    await fs.appendFile(path.join(dir, 'metrics.json'), ' ');
    const err = await failure(store.read('lstm', '1.0.0'));
    expect(err.errorCode).toBe('ARTIFACT_CORRUPT');
    expect(err.message).toMatch(/metrics\.json failed the size check/);
    expect(err.details).toMatchObject({ file: 'metrics.json', check: 'size' });
  });

  it('names a deleted file, and lists every problem', async () => {
    await fs.rm(path.join(dir, 'preprocessing.json'));
    await fs.writeFile(path.join(dir, 'metrics.json'), '{"rmse": 9}\n');
    const err = await failure(store.read('lstm', '1.0.0'));
    expect(err.errorCode).toBe('ARTIFACT_CORRUPT');
    expect(err.message).toContain('metrics.json');
    expect(err.message).toContain('and 1 more problem');
    expect(err.details.problems).toEqual([
      expect.objectContaining({ file: 'metrics.json', check: 'size' }),
      { file: 'preprocessing.json', check: 'present' },
    ]);
  });

  it('reports a missing file by name', async () => {
    await fs.rm(path.join(dir, 'model', 'weights.bin'));
    const err = await failure(store.read('lstm', '1.0.0'));
    expect(err.message).toBe('Artifact lstm/1.0.0 is corrupt: model/weights.bin is missing');
    expect(err.details).toMatchObject({ file: 'model/weights.bin', check: 'present' });
  });

  it('treats a missing, unparseable or foreign manifest as corrupt', async () => {
    const manifest = path.join(dir, 'manifest.json');
    const original = await fs.readFile(manifest, 'utf8');

    await fs.writeFile(manifest, '{"model_id": "lstm", ');
    expect((await failure(store.read('lstm', '1.0.0'))).details).toMatchObject({
      file: 'manifest.json',
      check: 'manifest',
    });

    await fs.writeFile(manifest, original.replace('"1.0.0"', '"9.9.9"'));
    expect((await failure(store.read('lstm', '1.0.0'))).message).toMatch(
      /manifest\.json failed the manifest check \(version is "9\.9\.9"/,
    );

    await fs.rm(manifest);
    const err = await failure(store.read('lstm', '1.0.0'));
    expect([err.status, err.message]).toEqual([500, 'Artifact lstm/1.0.0 is corrupt: manifest.json is missing']);
  });

  it('never follows a tampered manifest outside the version directory', async () => {
    const manifest = JSON.parse(await fs.readFile(path.join(dir, 'manifest.json'), 'utf8'));
    manifest.files['../../../outside/secret.txt'] = { sha256: 'a'.repeat(64), bytes: 12 };
    await fs.writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    const err = await failure(store.read('lstm', '1.0.0'));
    expect(err.details).toMatchObject({ file: 'manifest.json', check: 'manifest' });
    expect(err.message).toContain('invalid path');
  });

  it('refuses symlinks, whether a file or the version directory', async () => {
    const metrics = path.join(dir, 'metrics.json');
    await fs.copyFile(metrics, path.join(outside, 'metrics.json'));
    await fs.rm(metrics);
    await fs.symlink(path.join(outside, 'metrics.json'), metrics);
    expect((await failure(store.read('lstm', '1.0.0'))).details).toMatchObject({ file: 'metrics.json', check: 'type' });

    await fs.mkdir(path.join(root, 'linked'));
    await fs.symlink(dir, path.join(root, 'linked', '1.0.0'));
    expect((await failure(store.read('linked', '1.0.0'))).details).toMatchObject({ check: 'type' });
  });

  it('catches a rewritten manifest through the recorded checksum', async () => {
    const recorded = (await store.read('lstm', '1.0.0')).checksum;
    const manifestPath = path.join(dir, 'manifest.json');
    const manifest = JSON.parse(await fs.readFile(manifestPath, 'utf8'));
    await fs.writeFile(path.join(dir, 'metrics.json'), '{}\n');
    manifest.files['metrics.json'] = { sha256: createHash('sha256').update('{}\n').digest('hex'), bytes: 3 };
    await fs.writeFile(manifestPath, JSON.stringify(manifest));
    await expect(store.read('lstm', '1.0.0')).resolves.toBeDefined(); // consistent on its own…
    const err = await failure(store.read('lstm', '1.0.0', { expectedChecksum: recorded })); // …but not what was written
    expect(err.details).toMatchObject({ file: 'manifest.json', check: 'checksum' });
  });

  it('verifies a file again when it is read after opening', async () => {
    const stored = await store.read('lstm', '1.0.0');
    await fs.writeFile(path.join(dir, 'preprocessing.json'), '{"window": 1}');
    expect((await failure(stored.json('preprocessing.json'))).details).toMatchObject({
      file: 'preprocessing.json',
      check: 'size',
    });
    expect((await failure(stored.file('nope.json'))).errorCode).toBe('ARTIFACT_FILE_NOT_FOUND');
    expect((await failure(stored.file('../manifest.json'))).status).toBe(422);
  });

  it('readJson verifies the manifest and the one file it reads', async () => {
    await fs.appendFile(path.join(dir, 'model', 'weights.bin'), 'x'); // not read: not checked
    expect(await store.readJson('lstm', '1.0.0', 'metrics.json')).toEqual(FILES()['metrics.json']);
    await fs.appendFile(path.join(dir, 'metrics.json'), 'x');
    expect((await failure(store.readJson('lstm', '1.0.0', 'metrics.json'))).details).toMatchObject({
      file: 'metrics.json',
      check: 'size',
    });
  });

  it('answers 404 MODEL_VERSION_NOT_FOUND for a missing version or model', async () => {
    for (const [id, version] of [
      ['lstm', '1.0.1'],
      ['nope', '1.0.0'],
    ]) {
      const err = await failure(store.read(id, version));
      expect([err.status, err.errorType, err.errorCode]).toEqual([404, 'NotFoundError', 'MODEL_VERSION_NOT_FOUND']);
      expect((await failure(store.readJson(id, version, 'metrics.json'))).status).toBe(404);
    }
  });
});

describe('path traversal', () => {
  const ATTEMPTS = [
    '..',
    '.',
    '../x',
    '../../outside',
    'a/b',
    '/etc',
    '/tmp/x',
    '%2e%2e',
    '%2e%2e%2foutside',
    '\u2024\u2024',
    '\uff0e\uff0e',
    'ｌｓｔｍ',
    '.pgdata',
    '.tmp-1.0.0-x',
    'x'.repeat(65),
    'x'.repeat(5000),
    'a\0b',
    'a\\..\\b',
    '',
  ];

  it.each(ATTEMPTS)('refuses the model id %p with 422 everywhere, writing nothing', async (id) => {
    const before = await snapshot(tmp);
    for (const call of [
      () => store.write(id, '1.0.0', FILES()),
      () => store.read(id, '1.0.0'),
      () => store.readJson(id, '1.0.0', 'metrics.json'),
      () => store.exists(id, '1.0.0'),
      () => store.remove(id, '1.0.0'),
    ]) {
      const err = await failure(call());
      expect([err.status, err.errorCode]).toEqual([422, 'INVALID_MODEL_ID']);
    }
    expect(await snapshot(tmp)).toEqual(before);
  });

  it.each(ATTEMPTS)('refuses the version %p with 422', async (version) => {
    const err = await failure(store.write('lstm', version, FILES()));
    expect([err.status, err.errorCode]).toEqual([422, 'INVALID_VERSION']);
  });

  it.each([
    '../x',
    '../../outside/secret.txt',
    '/etc/passwd',
    'model/../../x',
    '.hidden',
    '%2e%2e/x',
    '\u2024\u2024/x',
    'a\\..\\b',
    'x'.repeat(600),
  ])('refuses the file path %p with 422, writing nothing', async (file) => {
    const before = await snapshot(tmp);
    const err = await failure(store.write('lstm', '1.0.0', { ...FILES(), [file]: 'x' }));
    expect([err.status, err.errorCode]).toEqual([422, 'INVALID_ARTIFACT_PATH']);
    expect(await snapshot(tmp)).toEqual(before);
  });

  it('keeps every fuzzed write inside the registry (fast-check)', async () => {
    const nasty = fc.constantFrom(
      '.',
      '/',
      '\\',
      '%',
      '2',
      'e',
      'f',
      'a',
      '-',
      '_',
      '\u2024',
      '\uff0e',
      '\0',
      '\u202e',
      'é',
    );
    const id = fc.oneof(
      fc.constantFrom(...ATTEMPTS),
      fc.string({ maxLength: 70 }),
      fc.string({ unit: 'binary', maxLength: 70 }),
      fc.string({ unit: nasty, maxLength: 12 }),
      fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,8}$/),
    );
    const version = fc.oneof(
      fc.constant('1.0.0'),
      fc.string({ unit: fc.constantFrom('0', '1', '.', '/', '-'), maxLength: 9 }),
    );
    const file = fc.oneof(
      fc.constant('metrics.json'),
      fc.string({ unit: nasty, maxLength: 10 }),
      fc.string({ maxLength: 20 }),
    );
    const outsideBefore = await snapshot(tmp, ['registry']);
    let written = 0;

    await fc.assert(
      fc.asyncProperty(id, version, file, async (modelId, v, name) => {
        try {
          const result = await store.write(modelId, v, { [name]: 'x' });
          expect(path.dirname(path.dirname(result.path))).toBe(root);
          written++;
        } catch (e) {
          expect(e).toBeInstanceOf(AppError);
          expect([409, 422]).toContain((e as AppError).status);
        }
      }),
      { numRuns: 300 },
    );

    expect(written).toBeGreaterThan(0); // the fuzz reached the disk, not only the validators
    expect(await snapshot(tmp, ['registry'])).toEqual(outsideBefore);
    for (const model of await fs.readdir(root)) {
      expect(model === '.pgdata' || /^[a-z0-9][a-z0-9_-]{0,63}$/.test(model)).toBe(true);
      if (model === '.pgdata') continue;
      for (const v of await fs.readdir(path.join(root, model))) expect(v).toMatch(/^\d+\.\d+\.\d+$/);
    }
    expect(await fs.readFile(path.join(root, '.pgdata', 'PG_VERSION'), 'utf8')).toBe('17\n');
  });
});
