/**
 * The artifact store against the real filesystem (see artifact-store.fixture.ts): writing and
 * reading, crash safety, removal, injection. Integrity and path checks: artifact-store-integrity.spec.ts.
 */
import { Test } from '@nestjs/testing';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { AppError } from '../../common/errors/app-error';
import { AppConfig } from '../../config/app-config';
import { ArtifactFs } from './artifact-fs';
import { ArtifactStore } from './artifact-store';
import { ARTIFACT_PROVIDERS } from './index';
import { age, configFor, FILES, root, snapshot, store } from './artifact-store.fixture';

async function failure(promise: Promise<unknown>): Promise<AppError & { details: Record<string, any> }> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError & { details: Record<string, any> };
  }
  throw new Error('expected the call to fail');
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
