import type { BatchSettings, LoadedModel, ModelLoader, VersionRef } from './model-loader';
import { LoadedModels } from './loaded-models';
import type { PredictionOptions } from './prediction.options';
import type { Resolved } from './prediction.types';

/** A loader whose models are plain objects; it keeps the batch settings it was given so a test can play a batcher. */
function fakeLoader(bytes = 100) {
  const loads: string[] = [];
  const settings: BatchSettings[] = [];
  const loader = {
    load: async (ref: VersionRef, batch: BatchSettings) => {
      loads.push(`${ref.modelId}@${ref.version}`);
      settings.push(batch);
      return {
        ref,
        bytes,
        engineName: 'tfjs',
        report: { reason: 'only tfjs files', measured: undefined },
        dispose: async () => undefined,
      } as unknown as LoadedModel;
    },
  } as unknown as ModelLoader;
  return { loader, loads, settings };
}

const options = {
  cacheMaxModels: 2,
  cacheMaxBytes: 10_000,
  batchMaxSize: 16,
  batchMaxWaitMs: 3,
} as PredictionOptions;

const resolved = (modelId: string, version: string): Resolved =>
  ({ ref: { modelId, version, checksum: 'c', modelType: 'time_series' }, key: `${modelId}@${version}#c` }) as Resolved;

describe('LoadedModels', () => {
  it('loads a version once with the configured batch settings and reuses it', async () => {
    const { loader, loads, settings } = fakeLoader();
    const models = new LoadedModels(loader, options);
    expect(await models.use(resolved('m', '1.0.0'), (m) => m.ref.version)).toBe('1.0.0');
    expect(await models.use(resolved('m', '1.0.0'), (m) => m.bytes)).toBe(100);
    expect(loads).toEqual(['m@1.0.0']);
    expect(settings[0]).toMatchObject({ maxBatchSize: 16, maxWaitMs: 3 });
    expect(models.stats().cache).toMatchObject({ loads: 1, hits: 1, entries: 1 });
  });

  it('warm loads now and says whether it stayed; the cache holds at most cacheMaxModels', async () => {
    const { loader, loads } = fakeLoader(250);
    const models = new LoadedModels(loader, options);
    expect(await models.warm(resolved('m', '1.0.0'))).toEqual({ cached: true, bytes: 250 });
    await models.warm(resolved('m', '1.1.0'));
    await models.warm(resolved('n', '1.0.0'));
    expect(loads).toHaveLength(3);
    expect(models.stats().loaded).toEqual(['m@1.1.0#c', 'n@1.0.0#c']);
  });

  it('evicts one version or all of a model, and reports what is loaded per model/version', async () => {
    const models = new LoadedModels(fakeLoader().loader, { ...options, cacheMaxModels: 8 });
    for (const [id, v] of [
      ['m', '1.0.0'],
      ['m', '1.1.0'],
      ['m2', '1.0.0'],
    ])
      await models.warm(resolved(id, v));
    expect(models.serving('m').map((s) => s.version)).toEqual(['1.0.0', '1.1.0']);
    expect(models.serving('m', '1.1.0')).toEqual([
      { model_id: 'm', version: '1.1.0', engine: 'tfjs', reason: 'only tfjs files', measured: null, bytes: 100 },
    ]);
    expect(models.evict('m', '1.0.0')).toBe(1);
    // "m@" must not reach m2's versions.
    expect(models.evict('m')).toBe(1);
    expect(models.stats().loaded).toEqual(['m2@1.0.0#c']);
  });

  it('counts forward passes as the batchers report them', async () => {
    const { loader, settings } = fakeLoader();
    const models = new LoadedModels(loader, options);
    await models.warm(resolved('m', '1.0.0'));
    for (const size of [1, 5, 3]) settings[0].onBatch!(size);
    expect(models.stats().batches).toEqual({ batches: 3, coalesced: 2, windows: 9, max_batch: 5 });
  });
});
