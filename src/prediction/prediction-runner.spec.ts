import type { MetricsService } from '../metrics/metrics.service';
import { type DeploymentLookup, DeploymentLookupPort, type PredictionEvent } from './deployment-lookup';
import type { LoadedModels } from './loaded-models';
import type { LoadedModel } from './model-loader';
import type { Preprocessing } from '../models/artifacts';
import { PredictionRunner } from './prediction-runner';
import type { PreparedInstance, PreparedWindows, Resolved } from './prediction.types';
import type { WindowBuilder, WindowSource } from './window-builder';

const FEATURES = ['returns_1', 'returns_5'];
const pre: Preprocessing = {
  model_type: 'time_series',
  features: FEATURES,
  window: 2,
  horizon: 1,
  timeframe: '1d',
  target: 'price_change_1d',
  scaler: { kind: 'zscore', features: FEATURES, mean: [0, 0], std: [1, 1] },
  target_scaler: null,
  output: 'regression',
  output_units: 1,
};

const resolved = (role: 'active' | 'shadow', deployed = true): Resolved =>
  ({
    row: { model_id: 'm', version: role === 'active' ? '1.0.0' : '1.1.0', symbols: ['EUR/USD'], timeframe: '1d' },
    ref: { modelId: 'm', version: '1.0.0', checksum: null, modelType: 'time_series' },
    key: 'k',
    deployment: deployed
      ? { version: '1.0.0', target: 'live', deployment_id: 'd1', scaling_factor: 2, monitoring_level: 'medium' }
      : null,
    alias: null,
    role,
  }) as Resolved;

const prepared = (asOf: string | null): PreparedInstance => ({
  symbol: 'EUR/USD',
  timeframe: '1d',
  window: new Float32Array(4),
  rows: [
    [0.1, 0.2],
    [0.3, 0.4],
  ],
  asOf,
});

/** Collaborators swapped: a model whose forward pass answers `output`, a window builder that records its sources, a lookup that records events. */
function runnerWith(output = 0.25, modelPre: Preprocessing = pre) {
  const sources: WindowSource[] = [];
  const events: PredictionEvent[] = [];
  const latencies: number[] = [];
  const m = {
    pre: modelPre,
    engineName: 'tfjs',
    batcher: { submit: async () => new Float32Array([output]) },
  } as unknown as LoadedModel;
  const models = { use: async (_r: Resolved, fn: (m: LoadedModel) => unknown) => fn(m) } as unknown as LoadedModels;
  const windows = {
    prepare: async (_m: LoadedModel, _r: Resolved, _i: unknown, _d: unknown, _p: string, source: WindowSource) => {
      sources.push(source);
      return source.reuse ?? prepared('2020-01-10T00:00:00.000Z');
    },
  } as unknown as WindowBuilder;
  const lookup: DeploymentLookup = {
    activeVersion: async () => null,
    deployedVersions: async () => [],
    record: (_id, e) => events.push(e),
  };
  const port = new DeploymentLookupPort(lookup as never);
  port.provide(lookup);
  const metrics = {
    predictLatency: { observe: (_l: unknown, s: number) => latencies.push(s) },
  } as unknown as MetricsService;
  return { runner: new PredictionRunner(models, windows, port, metrics), sources, events, latencies };
}

describe('PredictionRunner', () => {
  it('answers one window: prediction, signal × scaling_factor, as_of, role; records it and returns the windows built', async () => {
    const { runner, events, latencies } = runnerWith(0.25);
    const meta = {};
    const out = await runner.answerOne(resolved('active'), {}, meta, performance.now());
    expect(out.result).toMatchObject({
      model_id: 'm',
      version: '1.0.0',
      role: 'active',
      prediction: { value: 0.25 },
      signal: 0.5,
      as_of: '2020-01-10T00:00:00.000Z',
    });
    expect(meta).toEqual({ version: '1.0.0', engine: 'tfjs', role: 'active' });
    expect(out.windows).toEqual({ features: FEATURES, window: 2, instances: [prepared('2020-01-10T00:00:00.000Z')] });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      role: 'active',
      version: '1.0.0',
      inputs: { symbol: 'EUR/USD', features: { returns_1: [0.1, 0.3], returns_5: [0.2, 0.4] } },
      served: [{ as_of: '2020-01-10T00:00:00.000Z', value: 0.25 }],
    });
    expect(latencies).toHaveLength(1);
  });

  it('a shadow reuses the active windows when the layout matches, else builds its own up to the bar; it is not a request', async () => {
    const { runner, sources, events, latencies } = runnerWith();
    const built: PreparedWindows = { features: FEATURES, window: 2, instances: [prepared('2020-01-09T00:00:00.000Z')] };
    await runner.answerOne(resolved('shadow'), {}, undefined, 0, { barsUpTo: 42, reuse: built });
    expect(sources[0]).toEqual({ barsUpTo: 42, reuse: built.instances[0] });
    await runner.answerOne(resolved('shadow'), {}, undefined, 0, { barsUpTo: 42, reuse: { ...built, window: 3 } });
    expect(sources[1]).toEqual({ barsUpTo: 42, reuse: undefined });
    expect(events.map((e) => e.role)).toEqual(['shadow', 'shadow']);
    expect(latencies).toEqual([]);
  });

  it('refuses a non-finite output and does not record it', async () => {
    const { runner, events } = runnerWith(Number.NaN);
    await expect(runner.answerOne(resolved('active'), {}, undefined, 0)).rejects.toMatchObject({
      errorCode: 'NON_FINITE_PREDICTION',
    });
    expect(events).toEqual([]);
  });

  it('a batch: every instance checked first (unknown fields → 422 naming it), one event for all windows', async () => {
    const { runner, events } = runnerWith();
    await expect(
      runner.answerBatch(resolved('active'), { instances: [] }, [{ features: {} }, { feature: {} }], undefined, 0),
    ).rejects.toMatchObject({
      errorCode: 'VALIDATION_FAILED',
      details: { fields: [{ field: 'instances[1].feature' }] },
    });
    expect(events).toEqual([]);
    const out = await runner.answerBatch(resolved('active', false), { instances: [] }, [{}, {}], undefined, 0);
    expect(out.result).toMatchObject({ count: 2, predictions: [{ signal: null }, { signal: null }] });
    expect(out.result).not.toHaveProperty('role');
    expect(events).toEqual([]); // not through a deployment target: nothing to record
  });
});
