import * as fs from 'node:fs';
import * as path from 'node:path';
import { waitForJob, importDaily } from './support/jobs';
import { dailyCsv, meanReverting, randomWalk } from './support/series';
import { startTestApp, type TestApp } from './support/test-app';
import { DAILY_TIME_SERIES_REQUEST } from './support/train-request';
import { loadFusedRnnAddon } from '../src/ml/native';

// The engine the training thread reports: the fused addon unless it did not build or is switched off.
const expectedEngine = process.env.NATIVE_ENGINE === 'off' || !loadFusedRnnAddon().ok ? 'tfjs' : 'fused-rnn';

const base = {
  ...DAILY_TIME_SERIES_REQUEST,
};

describe('training time-series models through HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    // NATIVE_ENGINE passes through so that CI can run this suite with the addon switched off too.
    t = await startTestApp({
      MAX_TRAINING_MEMORY: '8',
      ...(process.env.NATIVE_ENGINE ? { NATIVE_ENGINE: process.env.NATIVE_ENGINE } : {}),
    });
    await importDaily(t, 'EUR/USD', dailyCsv(randomWalk(1600, 11)));
    await importDaily(t, 'GBP/USD', dailyCsv(meanReverting(1600, 5)));
  });
  afterAll(async () => {
    await t?.close();
  });

  const train = (body: Record<string, unknown>) => t.fetch('/api/v1/models/train', { method: 'POST', json: body });

  it.each(['lstm', 'gru', 'transformer'])(
    'trains a %s: 202, the job succeeds, the version lands in the registry with metrics beside baselines, artifacts and a run',
    async (architecture) => {
      const res = await train({
        ...base,
        name: `RW ${architecture}`,
        architecture,
        symbols: ['EUR/USD'],
        hyperparameters: { units: 8, epochs: 3, batch_size: 64, heads: 2 },
      });
      expect(res.status).toBe(202);
      const accepted = await res.json();
      expect(accepted).toEqual({
        job_id: expect.any(String),
        model_id: `rw_${architecture}`,
        version: '1.0.0',
        status: 'queued',
      });
      const job = await waitForJob(t, accepted.job_id);
      expect(job).toMatchObject({ status: 'succeeded', backend: 'wasm', error: null, note: null, attempts: 1 });
      expect(job.progress).toEqual({
        unit: 'epoch',
        epoch: 3,
        epochs: 3,
        loss: expect.any(Number),
        val_loss: expect.any(Number),
        eta_seconds: 0,
        phase: 'done',
      });
      expect(job.backend_details).toMatchObject({ name: 'wasm', engine: { name: expectedEngine } });

      const list = await (await t.fetch(`/api/v1/models?name=RW ${architecture}`)).json();
      expect(list.models).toHaveLength(1);
      expect(Object.keys(list.models[0]).sort()).toEqual([
        'created_at',
        'deployed_versions',
        'id',
        'latest_status',
        'latest_version',
        'metrics',
        'name',
        'status',
        'type',
        'version',
      ]);
      expect(list.models[0]).toMatchObject({
        id: `rw_${architecture}`,
        type: 'time_series',
        version: '1.0.0',
        status: 'experimental',
      });
      expect(typeof list.models[0].metrics.mse).toBe('number');

      const version = await (await t.fetch(`/api/v1/models/rw_${architecture}/versions/1.0.0`)).json();
      for (const key of ['mse', 'rmse', 'mae', 'r2', 'directional_accuracy', 'ic', 'rank_ic'])
        expect(version.metrics).toHaveProperty(key);
      expect(version.metrics.backtest).toMatchObject({
        sharpe: expect.anything(),
        max_drawdown: expect.any(Number),
        hit_rate: expect.any(Number),
        trades: expect.any(Number),
      });
      for (const b of ['naive_zero', 'naive_last', 'ridge']) expect(typeof version.baselines[b].mse).toBe('number');
      expect(version.backend_details).toMatchObject({ name: 'wasm', engine: { name: expectedEngine } });
      expect(version).toMatchObject({
        architecture,
        backend: 'wasm',
        data_fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
        artifact_checksum: expect.stringMatching(/^[0-9a-f]{64}$/),
        window: 10,
        horizon: 1,
      });

      const dir = path.join(t.registryPath, `rw_${architecture}`, '1.0.0');
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
      expect(Object.keys(manifest.files).sort()).toEqual([
        'evaluation.json',
        'metrics.json',
        'model/model.json',
        'model/model.onnx',
        'model/weights.bin',
        'predictions.csv',
        'preprocessing.json',
      ]);
      const pre = JSON.parse(fs.readFileSync(path.join(dir, 'preprocessing.json'), 'utf8'));
      expect(pre).toMatchObject({ features: base.features, window: 10, horizon: 1, scaler: { kind: 'zscore' } });

      const run = await (await t.fetch(`/api/v1/runs/${job.run_id}`)).json();
      expect(run).toMatchObject({ status: 'FINISHED', model_id: `rw_${architecture}`, model_version: '1.0.0' });
      expect(run.params).toMatchObject({ architecture, units: '8', epochs: '3', target: 'price_change_1d' });
      expect(run.metric_history.loss.map((p: { step: number }) => p.step)).toEqual([0, 1, 2]);
      expect(run.metric_history.val_loss).toHaveLength(3);
      expect(run.artifacts).toContain(`rw_${architecture}/1.0.0/model/weights.bin`);
      expect(t.rawLogs.join('\n')).not.toContain('tensor count changed');
    },
  );

  it('training the same model again creates its next version; the same seed gives identical metrics', async () => {
    const body = {
      ...base,
      name: 'RW lstm',
      architecture: 'lstm',
      symbols: ['EUR/USD'],
      hyperparameters: { units: 8, epochs: 3, batch_size: 64 },
    };
    const again = await (await train(body)).json();
    expect(again.version).toBe('1.1.0');
    await waitForJob(t, again.job_id);
    const v1 = await (await t.fetch('/api/v1/models/rw_lstm/versions/1.0.0')).json();
    const v2 = await (await t.fetch('/api/v1/models/rw_lstm/versions/1.1.0')).json();
    expect(v2.metrics).toEqual(v1.metrics);
    expect(v2.data_fingerprint).toBe(v1.data_fingerprint);
    const model = await (await t.fetch('/api/v1/models/rw_lstm')).json();
    expect(model.versions.map((v: { version: string }) => v.version)).toEqual(['1.1.0', '1.0.0']);
    const exps = await (await t.fetch('/api/v1/experiments')).json();
    const def = exps.experiments.find((e: { name: string }) => e.name === 'Default');
    expect(def.run_count).toBeGreaterThanOrEqual(4);
  });

  it('says no on a random walk: the LSTM does not beat "no change" beyond noise, directional accuracy within 0.5 ± 3 SE', async () => {
    const res = await (
      await train({
        ...base,
        name: 'RW honest',
        architecture: 'lstm',
        symbols: ['EUR/USD'],
        hyperparameters: { units: 16, epochs: 15, batch_size: 32, early_stopping_patience: 3 },
      })
    ).json();
    await waitForJob(t, res.job_id);
    const v = await (await t.fetch(`/api/v1/models/rw_honest/versions/1.0.0`)).json();
    const se = Math.sqrt(0.25 / v.metrics.directional_n);
    expect(Math.abs(v.metrics.directional_accuracy - 0.5)).toBeLessThan(3 * se);
    // "Beyond noise": its MSE is not meaningfully below the zero-change forecast's.
    expect(v.metrics.mse).toBeGreaterThan(v.baselines.naive_zero.mse * 0.97);
  });

  it('says yes on a planted pattern: the LSTM beats the naive baselines and calls direction well above chance', async () => {
    const res = await (
      await train({
        ...base,
        name: 'MR lstm',
        architecture: 'lstm',
        symbols: ['GBP/USD'],
        hyperparameters: { units: 16, epochs: 30, batch_size: 32, learning_rate: 0.005, early_stopping_patience: 5 },
      })
    ).json();
    const job = await waitForJob(t, res.job_id);
    expect(job.status).toBe('succeeded');
    const v = await (await t.fetch(`/api/v1/models/mr_lstm/versions/1.0.0`)).json();
    expect(v.metrics.mse).toBeLessThan(v.baselines.naive_zero.mse * 0.8);
    expect(v.metrics.mse).toBeLessThan(v.baselines.naive_last.mse);
    const se = Math.sqrt(0.25 / v.metrics.directional_n);
    expect(v.metrics.directional_accuracy).toBeGreaterThan(0.5 + 3 * se);
    expect(v.metrics.ic).toBeGreaterThan(0.3);
  });

  it('checks everything knowable before queueing: 422s that say what to fix', async () => {
    const ok = { ...base, name: 'Bad', symbols: ['EUR/USD'], hyperparameters: { units: 8, epochs: 1 } };
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...ok, hyperparameters: { units: 8, warp_speed: 9 } }, /hyperparameters\.warp_speed/],
      [{ ...ok, features: ['returns_1', 'magic_7'] }, /magic_7/],
      [{ ...ok, target: 'direction_1d' }, /classification target/],
      [{ ...ok, target: 'price_change_1h' }, /finer than one 1d bar/],
      [
        { ...ok, start_date: '2009-12-01T00:00:00Z', end_date: '2010-01-01T00:00:00Z' },
        /needed|found|insufficient|not enough|samples/i,
      ],
      [{ ...ok, start_date: '2011-01-01T00:00:00Z', end_date: '2010-01-01T00:00:00Z' }, /before end_date/],
      [{ ...ok, symbols: ['USD/CAD'] }, /No 1d bars stored for USD\/CAD/],
      [{ ...ok, hyperparameters: { units: 8, dropout: 1.5 } }, /hyperparameters\.dropout/],
      [{ ...ok, model_type: 'quantum' }, /model_type/],
      [{ ...ok, features: ['atr_14'] }, /atr_14.*high|high.*atr_14/],
    ];
    for (const [body, pattern] of cases) {
      const res = await train(body);
      const text = await res.text();
      expect({ status: res.status, body }).toEqual({ status: 422, body });
      expect(text).toMatch(pattern);
    }
    const jobs = await (await t.fetch('/api/v1/training/jobs?model_id=bad')).json();
    expect(jobs.total).toBe(0);
  });

  it('refuses a request whose estimated memory exceeds MAX_TRAINING_MEMORY', async () => {
    const small = await startTestApp({ MAX_TRAINING_MEMORY: '0.001' });
    try {
      await importDaily(small, 'EUR/USD', dailyCsv(randomWalk(1600, 11)));
      const res = await small.fetch('/api/v1/models/train', {
        method: 'POST',
        json: { ...base, name: 'Huge', symbols: ['EUR/USD'], hyperparameters: { units: 512, layers: 3 } },
      });
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({ error_code: 'MEMORY_LIMIT' });
    } finally {
      await small.close();
    }
  });

  it('stops a running job that goes past MAX_TRAINING_MEMORY, with a clear error', async () => {
    // 0.2 GB passes the (tiny) estimate but not the resident memory of a Node process with tfjs.
    const tight = await startTestApp({ MAX_TRAINING_MEMORY: '0.2' });
    try {
      await importDaily(tight, 'EUR/USD', dailyCsv(randomWalk(1600, 11)));
      const res = await (
        await tight.fetch('/api/v1/models/train', {
          method: 'POST',
          json: { ...base, name: 'Greedy', symbols: ['EUR/USD'], hyperparameters: { units: 8, epochs: 50 } },
        })
      ).json();
      const job = await waitForJob(tight, res.job_id);
      expect(job.status).toBe('failed');
      expect(job.error).toMatch(/above MAX_TRAINING_MEMORY \(0\.20 GB\)/);
      const v = await (await tight.fetch('/api/v1/models/greedy/versions/1.0.0')).json();
      expect(v.status).toBe('failed');
    } finally {
      await tight.close();
    }
  });

  it('cancels a running job at its next batch; the version and run end cancelled', async () => {
    const res = await (
      await train({
        ...base,
        name: 'Cancel me',
        symbols: ['EUR/USD'],
        hyperparameters: { units: 32, epochs: 500, batch_size: 16, early_stopping_patience: 500 },
      })
    ).json();
    for (let i = 0; i < 100; i++) {
      const job = await (await t.fetch(`/api/v1/training/jobs/${res.job_id}`)).json();
      if (job.status === 'running' && job.progress?.epoch >= 1) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    // One job trains at a time (TRAINING_CONCURRENCY 1): a second one waits, queued, at 0 of its epochs.
    const waiting = await (
      await train({ ...base, name: 'Cancel me queued', symbols: ['EUR/USD'], hyperparameters: { units: 8, epochs: 7 } })
    ).json();
    const queued = await (await t.fetch(`/api/v1/training/jobs/${waiting.job_id}`)).json();
    expect(queued).toMatchObject({
      status: 'queued',
      progress: { phase: 'queued', unit: 'epoch', epoch: 0, epochs: 7 },
      error: null,
      note: null,
    });
    const cancelledQueued = await (
      await t.fetch(`/api/v1/training/jobs/${waiting.job_id}/cancel`, { method: 'POST' })
    ).json();
    expect(cancelledQueued).toMatchObject({
      status: 'cancelled',
      progress: { phase: 'cancelled', epoch: 0, epochs: 7 },
    });
    const cancel = await t.fetch(`/api/v1/training/jobs/${res.job_id}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(202);
    const job = await waitForJob(t, res.job_id, 30_000);
    expect(job.status).toBe('cancelled');
    expect(job.progress).toMatchObject({ phase: 'cancelled', unit: 'epoch', epochs: 500, eta_seconds: null });
    expect(job.progress.epoch).toBeLessThan(500);
    expect(
      (await (await t.fetch(`/api/v1/training/jobs?status=cancelled&model_id=cancel_me`)).json()).jobs[0].progress
        .phase,
    ).toBe('cancelled');
    const v = await (await t.fetch('/api/v1/models/cancel_me/versions/1.0.0')).json();
    expect(v.status).toBe('cancelled');
    expect(fs.existsSync(path.join(t.registryPath, 'cancel_me', '1.0.0'))).toBe(false);
    expect((await t.fetch(`/api/v1/training/jobs/${res.job_id}/cancel`, { method: 'POST' })).status).toBe(409);
  });

  // A freeze check, not a speed target (that is bench:eventloop's): training on the request
  // thread would stall /health for whole epochs (seconds); a loaded CI machine adds tens of ms.
  it('keeps /health answering while a model trains (training runs off the request thread)', async () => {
    const res = await (
      await train({
        ...base,
        name: 'Busy',
        symbols: ['EUR/USD'],
        hyperparameters: { units: 32, epochs: 8, batch_size: 16 },
      })
    ).json();
    const latencies: number[] = [];
    let running = false;
    for (let i = 0; i < 200; i++) {
      const started = performance.now();
      const health = await t.fetch('/health');
      latencies.push(performance.now() - started);
      expect(health.status).toBe(200);
      const job = await (await t.fetch(`/api/v1/training/jobs/${res.job_id}`)).json();
      if (job.status === 'running' && job.progress?.phase === 'training') running = true;
      if (['succeeded', 'failed'].includes(job.status)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(running).toBe(true);
    latencies.sort((a, b) => a - b);
    expect(latencies[Math.floor(latencies.length * 0.99)]).toBeLessThan(1000);
  });

  it('archives a model (DELETE) and rejects unsafe ids', async () => {
    const del = await t.fetch('/api/v1/models/rw_gru', { method: 'DELETE' });
    expect(del.status).toBe(200);
    const list = await (await t.fetch('/api/v1/models?type=time_series')).json();
    expect(list.models.map((m: { id: string }) => m.id)).not.toContain('rw_gru');
    expect(
      (await (await t.fetch('/api/v1/models?status=archived')).json()).models.map((m: { id: string }) => m.id),
    ).toContain('rw_gru');
    expect((await t.fetch('/api/v1/models/..%2F..%2Fetc')).status).toBe(422);
    expect((await t.fetch('/api/v1/models/nope')).status).toBe(404);
    expect((await t.fetch('/api/v1/models/rw_lstm/versions/9.9.9')).status).toBe(404);
  });
});
