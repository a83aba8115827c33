/**
 * The artifact store against the real filesystem, in a fresh temporary directory per test:
 * `{tmp}/registry` is MODEL_REGISTRY_PATH, `{tmp}/outside` is what must never be touched.
 */
import { Test } from '@nestjs/testing';
import * as fc from 'fast-check';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppError } from '../../common/errors/app-error';
import { AppConfig } from '../../config/app-config';
import { ArtifactFs } from './artifact-fs';
import { ArtifactStore } from './artifact-store';
import { ARTIFACT_PROVIDERS } from './index';

const FILES = () => ({
  'model/model.json': { format: 'layers-model', modelTopology: { layers: [{ class_name: 'LSTM', units: 32 }] } },
  'model/weights.bin': Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 31) % 256)),
  'preprocessing.json': {
    features: ['rsi_14', 'sma_20'],
    window: 60,
    horizon: 1,
    scaler: { type: 'standard', mean: [50, 1.1], std: [10, 0.01] },
    target: 'return_1',
  },
  'metrics.json': { rmse: 0.0012, baselines: { naive: 0.0013 } },
});

let tmp: string;
let root: string;
let outside: string;
let store: ArtifactStore;

const configFor = (registry: string) => AppConfig.fromEnv({}, { MODEL_REGISTRY_PATH: registry });

beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'artifact-store-'));
  root = path.join(tmp, 'registry');
  outside = path.join(tmp, 'outside');
  await fs.mkdir(path.join(root, '.pgdata'), { recursive: true });
  await fs.writeFile(path.join(root, '.pgdata', 'PG_VERSION'), '17\n');
  await fs.mkdir(outside);
  await fs.writeFile(path.join(outside, 'secret.txt'), 'do not touch');
  store = new ArtifactStore(configFor(root));
});

afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<AppError & { details: Record<string, any> }> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError & { details: Record<string, any> };
  }
  throw new Error('expected the call to fail');
}

/** Every path under `dir` (relative), with file contents hashed: a cheap snapshot. */
async function snapshot(dir: string, skip: string[] = []): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
    const rel = path.relative(dir, full);
    if (skip.some((s) => rel === s || rel.startsWith(`${s}${path.sep}`))) continue;
    out[rel] = entry.isFile()
      ? createHash('sha256')
          .update(await fs.readFile(full))
          .digest('hex')
      : entry.isDirectory()
        ? 'dir'
        : 'other';
  }
  return out;
}

/** Make everything under `target` look untouched for `ms`. */
async function age(target: string, ms: number): Promise<void> {
  const when = new Date(Date.now() - ms);
  const stats = await fs.lstat(target);
  if (stats.isDirectory()) for (const name of await fs.readdir(target)) await age(path.join(target, name), ms);
  await fs.utimes(target, when, when);
}

describe('write and read', () => {
  it('round-trips every file and returns the manifest and its checksum', async () => {
    const written = await store.write('lstm_price_predictor', '1.0.0', FILES());

    expect(written.path).toBe(path.join(root, 'lstm_price_predictor', '1.0.0'));
    expect(Object.keys(written.manifest.files)).toEqual([
      'metrics.json',
      'model/model.json',
      'model/weights.bin',
      'preprocessing.json',
    ]);
    expect(written.manifest.files['model/weights.bin']).toEqual({
      sha256: createHash('sha256').update(FILES()['model/weights.bin']).digest('hex'),
      bytes: 4096,
    });
    expect(written.manifest).toMatchObject({ model_id: 'lstm_price_predictor', version: '1.0.0' });
    expect(Date.parse(written.manifest.created_at)).not.toBeNaN();
    const manifestOnDisk = await fs.readFile(path.join(written.path, 'manifest.json'));
    expect(written.checksum).toBe(createHash('sha256').update(manifestOnDisk).digest('hex'));
    expect(JSON.parse(manifestOnDisk.toString())).toEqual(written.manifest);

    const stored = await store.read('lstm_price_predictor', '1.0.0', { expectedChecksum: written.checksum });
    expect(stored.checksum).toBe(written.checksum);
    expect(stored.names).toEqual(Object.keys(written.manifest.files));
    expect(await stored.file('model/weights.bin')).toEqual(FILES()['model/weights.bin']);
    expect(await stored.json('preprocessing.json')).toEqual(FILES()['preprocessing.json']);
    expect(await store.readJson('lstm_price_predictor', '1.0.0', 'metrics.json')).toEqual(FILES()['metrics.json']);
    expect(await store.exists('lstm_price_predictor', '1.0.0')).toBe(true);
    expect(await store.exists('lstm_price_predictor', '1.0.1')).toBe(false);
    // Only the version directory: no temporary directory left behind.
    expect(await fs.readdir(path.join(root, 'lstm_price_predictor'))).toEqual(['1.0.0']);
  });

  it('stores strings as UTF-8, Uint8Arrays as bytes, other values as JSON', async () => {
    await store.write('m', '0.1.0', {
      'notes.txt': 'héllo',
      'raw.bin': new Uint8Array([1, 2, 3]),
      'n.json': 42,
      'list.json': [1, 'a'],
    });
    const stored = await store.read('m', '0.1.0');
    expect((await stored.file('notes.txt')).toString('utf8')).toBe('héllo');
    expect([...(await stored.file('raw.bin'))]).toEqual([1, 2, 3]);
    expect(await stored.json('n.json')).toBe(42);
    expect(await stored.json('list.json')).toEqual([1, 'a']);
  });

  it('refuses a second write of the same version with 409 and leaves the first intact', async () => {
    const first = await store.write('lstm', '1.0.0', FILES());
    const err = await failure(store.write('lstm', '1.0.0', { ...FILES(), 'metrics.json': { rmse: 0 } }));
    expect(err.status).toBe(409);
    expect(err.errorCode).toBe('MODEL_VERSION_EXISTS');
    expect((await store.read('lstm', '1.0.0', { expectedChecksum: first.checksum })).checksum).toBe(first.checksum);
    expect(await fs.readdir(path.join(root, 'lstm'))).toEqual(['1.0.0']);
  });

  it('lets exactly one of several concurrent writers (two stores, as two replicas) publish a version', async () => {
    const other = new ArtifactStore(configFor(root));
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        (i % 2 ? other : store).write('race', '2.0.0', { ...FILES(), 'metrics.json': { writer: i } }),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(7);
    for (const r of lost) expect(r.reason).toMatchObject({ status: 409, errorCode: 'MODEL_VERSION_EXISTS' });
    const winner = won[0].value;
    const stored = await store.read('race', '2.0.0', { expectedChecksum: winner.checksum });
    expect(await stored.json('metrics.json')).toEqual({ writer: results.indexOf(won[0]) });
    expect(await fs.readdir(path.join(root, 'race'))).toEqual(['2.0.0']); // losers cleaned up their temp dirs
  });

  it('validates the file map: 422 for reserved, colliding, empty or unserialisable entries', async () => {
    const cases: Array<[Record<string, any>, string]> = [
      [{}, 'INVALID_ARTIFACT_CONTENT'],
      [{ 'manifest.json': {} }, 'INVALID_ARTIFACT_PATH'],
      [{ model: 'x', 'model/weights.bin': 'y' }, 'INVALID_ARTIFACT_PATH'],
      [{ 'Metrics.json': 1, 'metrics.json': 2 }, 'INVALID_ARTIFACT_PATH'],
      [{ 'a.json': undefined }, 'INVALID_ARTIFACT_CONTENT'],
      [{ 'a.json': { big: BigInt(1) } }, 'INVALID_ARTIFACT_CONTENT'],
    ];
    for (const [files, code] of cases) {
      const err = await failure(store.write('m', '1.0.0', files));
      expect([err.status, err.errorCode]).toEqual([422, code]);
    }
    expect(await fs.readdir(root)).toEqual(['.pgdata']);
  });
});

describe('crash safety', () => {
  /** A process that dies after `survive` files: the write throws, and nothing runs after it (no cleanup). */
  class CrashingFs extends ArtifactFs {
    private writes = 0;
    constructor(private readonly survive: number) {
      super();
    }
    override async writeFileDurable(file: string, data: Buffer): Promise<void> {
      if (++this.writes > this.survive) throw new Error('simulated crash');
      return super.writeFileDurable(file, data);
    }
    override async removeTree(): Promise<void> {
      // dead processes clean up nothing
    }
  }

  it('never shows a half-written version: only a .tmp-* directory remains, and cleanupTemp removes it once stale', async () => {
    const crashing = new ArtifactStore(configFor(root), new CrashingFs(2));
    await expect(crashing.write('lstm', '1.0.0', FILES())).rejects.toThrow('simulated crash');

    const entries = await fs.readdir(path.join(root, 'lstm'));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatch(/^\.tmp-1\.0\.0-/);
    expect((await fs.readdir(path.join(root, 'lstm', entries[0]), { recursive: true })).length).toBeGreaterThan(0); // some files did land
    expect(await store.exists('lstm', '1.0.0')).toBe(false);
    expect((await failure(store.read('lstm', '1.0.0'))).status).toBe(404);

    // A fresh temp dir may be another replica's write in progress: kept.
    expect(await store.cleanupTemp(60_000)).toEqual({ removed: [], failed: [] });
    await age(path.join(root, 'lstm', entries[0]), 2 * 60 * 60 * 1000);
    expect(await store.cleanupTemp()).toEqual({ removed: [`lstm/${entries[0]}`], failed: [] });
    expect(await fs.readdir(path.join(root, 'lstm'))).toEqual([]);
    expect(await fs.readFile(path.join(root, '.pgdata', 'PG_VERSION'), 'utf8')).toBe('17\n');

    // The version can then be written for real.
    await store.write('lstm', '1.0.0', FILES());
    await expect(store.read('lstm', '1.0.0')).resolves.toBeDefined();
  });

  it('cleans up its own temp dir after an ordinary failure; a full disk is a 503', async () => {
    class FullFs extends ArtifactFs {
      private writes = 0;
      override async writeFileDurable(file: string, data: Buffer): Promise<void> {
        if (++this.writes > 1) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        return super.writeFileDurable(file, data);
      }
    }
    const full = new ArtifactStore(configFor(root), new FullFs());
    const err = await failure(full.write('lstm', '1.0.0', FILES()));
    expect([err.status, err.errorCode]).toEqual([503, 'ARTIFACT_STORAGE_FULL']);
    expect(await fs.readdir(path.join(root, 'lstm'))).toEqual([]);
  });

  it('cleanupTemp leaves versions, .pgdata, non-id directories and unrelated names alone', async () => {
    await store.write('lstm', '1.0.0', FILES());
    await fs.mkdir(path.join(root, '.tmp-not-a-model'));
    await fs.mkdir(path.join(root, 'NotAnId', '.tmp-1.0.0-abc'), { recursive: true });
    await age(root, 10 * 60 * 60 * 1000);
    const before = await snapshot(root);
    expect(await store.cleanupTemp(0)).toEqual({ removed: [], failed: [] });
    expect(await snapshot(root)).toEqual(before);
  });
});

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

describe('remove', () => {
  it('removes a version at once and says whether there was one', async () => {
    await store.write('lstm', '1.0.0', FILES());
    await store.write('lstm', '1.1.0', FILES());
    expect(await store.remove('lstm', '1.0.0')).toBe(true);
    expect(await store.exists('lstm', '1.0.0')).toBe(false);
    expect((await failure(store.read('lstm', '1.0.0'))).status).toBe(404);
    expect(await fs.readdir(path.join(root, 'lstm'))).toEqual(['1.1.0']);
    expect(await store.remove('lstm', '1.0.0')).toBe(false);
    await store.write('lstm', '1.0.0', FILES()); // the number is free again
    expect(await store.exists('lstm', '1.0.0')).toBe(true);
  });

  it('leaves only trash when the delete fails half-way, and cleanupTemp removes it later', async () => {
    class StuckFs extends ArtifactFs {
      override async removeTree(): Promise<void> {
        throw new Error('EBUSY');
      }
    }
    await store.write('lstm', '1.0.0', FILES());
    expect(await new ArtifactStore(configFor(root), new StuckFs()).remove('lstm', '1.0.0')).toBe(true);
    expect(await store.exists('lstm', '1.0.0')).toBe(false);
    const [trash] = await fs.readdir(path.join(root, 'lstm'));
    expect(trash).toMatch(/^\.trash-1\.0\.0-[0-9a-f]{12}$/);
    expect((await store.cleanupTemp()).removed).toEqual([]); // just renamed: fresh
    await age(path.join(root, 'lstm', trash), 2 * 60 * 60 * 1000);
    expect((await store.cleanupTemp()).removed).toEqual([`lstm/${trash}`]);
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

describe('dependency injection', () => {
  it('resolves ArtifactStore with its ArtifactFs from AppConfig', async () => {
    const moduleRef = await Test.createTestingModule({
      providers: [...ARTIFACT_PROVIDERS, { provide: AppConfig, useValue: configFor(root) }],
    }).compile();
    const injected = moduleRef.get(ArtifactStore);
    await injected.write('di', '1.0.0', { 'metrics.json': {} });
    expect(await store.exists('di', '1.0.0')).toBe(true);
  });
});
