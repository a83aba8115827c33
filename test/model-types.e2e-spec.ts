import * as fs from 'node:fs';
import * as path from 'node:path';
import { windowFromRows, type Scaler } from '../src/features/core';
import { loadModel, predictBatch } from '../src/ml';
import { OrtPool } from '../src/ml/onnx';
import { importDaily, waitForJob } from './support/jobs';
import { dailyCsv, meanReverting, randomWalk } from './support/series';
import { startTestApp, type TestApp } from './support/test-app';

const common = {
  start_date: '2000-01-01T00:00:00Z',
  end_date: '2010-01-01T00:00:00Z',
  timeframe: '1d',
  window: 10,
  validation_split: 0.2,
  test_split: 0.2,
  seed: 11,
};

describe('the other model types through HTTP', () => {
  let t: TestApp;
  /** The job of the latest train() call, as GET /training/jobs/{id} shows it. */
  let lastJob: any;
  const train = async (body: Record<string, unknown>) => {
    const res = await t.fetch('/api/v1/models/train', { method: 'POST', json: { ...common, ...body } });
    const json = await res.json();
    if (res.status !== 202) throw new Error(`${res.status} ${JSON.stringify(json)}`);
    const job = await waitForJob(t, json.job_id);
    expect(job).toMatchObject({ status: 'succeeded' });
    lastJob = job;
    return (await t.fetch(`/api/v1/models/${json.model_id}/versions/${json.version}`)).json();
  };
  let pool: OrtPool | undefined;
  /**
   * The model's offline output on the last window of `rows`, from its artifacts: model.onnx in
   * ONNX Runtime (the engine that serves it, so equal bit for bit), checked against the tfjs
   * files to 1e-5.
   */
  const offline = async (modelId: string, rows: Array<Record<string, number>>) => {
    const dir = path.join(t.registryPath, modelId, '1.0.0');
    const pre = require(path.join(dir, 'preprocessing.json')) as { scaler: Scaler; window: number; features: string[] };
    const x = windowFromRows(
      rows.map((r) => pre.features.map((f) => r[f])),
      pre.scaler,
      pre.window,
    );
    pool ??= new OrtPool({ threads: 1, intraOpThreads: 1 });
    await pool.load(modelId, fs.readFileSync(path.join(dir, 'model', 'model.onnx')));
    const { data } = await pool.run(modelId, 'window', 'output', x, [1, pre.window, pre.features.length]);
    const model = await loadModel(path.join(dir, 'model'));
    const tfjs = await predictBatch(model, x, [1, pre.window, pre.features.length]);
    model.dispose();
    tfjs.forEach((v, i) => expect(Math.abs(v - data[i])).toBeLessThanOrEqual(1e-5));
    return data;
  };
  const featureRows = async (symbol: string, features: string[]) => {
    const body = await (
      await t.fetch(
        `/api/v1/features/values?symbol=${encodeURIComponent(symbol)}&timeframe=1d&features=${features.join(',')}`,
      )
    ).json();
    return body.rows.map((r: { values: Record<string, number> }) => r.values) as Array<Record<string, number>>;
  };

  beforeAll(async () => {
    // ONNX Runtime answers by policy, as `offline` computes with it: under `auto` the engine is
    // chosen by a latency measurement at load, which a loaded machine sometimes hands to tfjs
    // (then the answer differs from ONNX Runtime's in the last float32 bits).
    t = await startTestApp({ MAX_TRAINING_MEMORY: '8', PREDICTION_ENGINE: 'onnxruntime' });
    await importDaily(t, 'EUR/USD', dailyCsv(randomWalk(1600, 31)));
    await importDaily(t, 'GBP/USD', dailyCsv(meanReverting(1600, 9)));
    // USD/CHF: a calm random walk with ten planted jumps, the last ones inside the test period.
    const spiky = randomWalk(1600, 77, 0.002);
    for (const i of [300, 520, 760, 1000, 1340, 1400, 1450, 1500, 1550, 1590])
      for (let j = i; j < spiky.length; j++) spiky[j] *= j === i ? 1.06 : 1;
    await importDaily(t, 'USD/CHF', dailyCsv(spiky));
  });
  afterAll(async () => {
    await pool?.close();
    await t?.close();
  });

  it('classification on a random walk: test accuracy within 0.5 ± 3 SE (no edge), probabilities in the seed list shape', async () => {
    const v = await train({
      name: 'Dir RW',
      model_type: 'classification',
      architecture: 'gru',
      features: ['returns_1', 'returns_5', 'zscore_20'],
      target: 'direction_1d',
      symbols: ['EUR/USD'],
      hyperparameters: { units: 8, epochs: 8, batch_size: 32, early_stopping_patience: 3 },
    });
    expect(v.metrics).toMatchObject({
      classes: ['down', 'flat', 'up'],
      accuracy: expect.any(Number),
      f1_macro: expect.any(Number),
      log_loss: expect.any(Number),
    });
    expect(v.metrics.confusion_matrix).toHaveLength(3);
    expect(v.baselines.majority_class.accuracy).toEqual(expect.any(Number));
    expect(v.baselines.logistic_regression.accuracy).toEqual(expect.any(Number));
    const se = Math.sqrt(0.25 / v.metrics.n);
    expect(v.metrics.accuracy).toBeLessThan(0.5 + 3 * se);
    const list = await (await t.fetch('/api/v1/models?type=classification')).json();
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
  });

  it('classification on a planted pattern beats the majority class clearly; predict gives class and probabilities equal to the offline model', async () => {
    const features = ['returns_1', 'returns_5', 'zscore_20'];
    const v = await train({
      name: 'Dir MR',
      model_type: 'classification',
      architecture: 'dense',
      features,
      target: 'direction_1d',
      symbols: ['GBP/USD'],
      hyperparameters: { units: 16, epochs: 30, batch_size: 32, learning_rate: 0.005, early_stopping_patience: 5 },
    });
    const se = Math.sqrt(0.25 / v.metrics.n);
    expect(v.metrics.accuracy).toBeGreaterThan(0.5 + 3 * se);
    expect(v.metrics.accuracy).toBeGreaterThan(v.baselines.majority_class.accuracy + 0.1);
    expect(v.metrics.f1_macro).toBeGreaterThan(v.baselines.majority_class.f1_macro);

    const rows = await featureRows('GBP/USD', features);
    const body = {
      symbol: 'GBP/USD',
      timeframe: '1d',
      features: Object.fromEntries(features.map((f) => [f, rows.slice(-10).map((r) => r[f])])),
    };
    const res = await (await t.fetch('/api/v1/models/dir_mr/predict', { method: 'POST', json: body })).json();
    expect(Object.keys(res.prediction.probabilities)).toEqual(['down', 'flat', 'up']);
    const probs = await offline('dir_mr', rows.slice(-10));
    expect(Object.values(res.prediction.probabilities)).toEqual(Array.from(probs));
    expect(res.prediction.class).toBe(['down', 'flat', 'up'][probs.indexOf(Math.max(...probs))]);
  });

  it('anomaly detection flags planted jumps (precision and recall with known timestamps) and scores through predict like the offline model', async () => {
    const jumps = [1340, 1400, 1450, 1500, 1550, 1590].map((i) =>
      new Date(Date.parse('2000-01-03T00:00:00Z') + i * 86_400_000).toISOString(),
    );
    const features = ['returns_1', 'volatility_5'];
    const v = await train({
      name: 'Jumps',
      model_type: 'anomaly_detection',
      architecture: 'dense',
      features,
      target: 'price_change_1d',
      symbols: ['USD/CHF'],
      window: 5,
      test_split: 0.25,
      anomaly_timestamps: jumps,
      hyperparameters: { units: 8, epochs: 20, batch_size: 32, threshold_quantile: 0.97 },
    });
    expect(v.metrics).toMatchObject({
      threshold: expect.any(Number),
      test_anomaly_rate: expect.any(Number),
      threshold_quantile: 0.97,
    });
    expect(v.metrics.labelled_windows).toBeGreaterThan(0);
    expect(v.metrics.recall).toBeGreaterThanOrEqual(0.8);
    expect(v.metrics.precision).toBeGreaterThanOrEqual(0.5);
    expect(v.baselines.max_abs_zscore).toMatchObject({ threshold: expect.any(Number) });

    const rows = await featureRows('USD/CHF', features);
    const body = {
      symbol: 'USD/CHF',
      timeframe: '1d',
      features: Object.fromEntries(features.map((f) => [f, rows.slice(-5).map((r) => r[f])])),
    };
    const res = await (await t.fetch('/api/v1/models/jumps/predict', { method: 'POST', json: body })).json();
    const [score] = await offline('jumps', rows.slice(-5));
    expect(res.prediction).toEqual({ score, is_anomaly: score > v.metrics.threshold, threshold: v.metrics.threshold });
  });

  it('feature engineering runs as a job, registers its ranking as a version, and a later training uses it with features_from', async () => {
    const candidates = [
      'returns_1',
      'returns_5',
      'sma_5',
      'sma_10',
      'ema_10',
      'zscore_20',
      'momentum_5',
      'volatility_10',
    ];
    const v = await train({
      name: 'GBP selection',
      model_type: 'feature_engineering',
      features: candidates,
      target: 'price_change_1d',
      symbols: ['GBP/USD'],
      hyperparameters: { k: 3 },
    });
    expect(v.status).toBe('experimental');
    expect(v.metrics.suggested.length).toBeLessThanOrEqual(3);
    expect(v.metrics.suggested).toContain('returns_1'); // the planted pattern lives in the last return
    expect(v.metrics.top[0]).toMatchObject({ rank: 1 });
    // Its job counts scored candidates (a selection has no epochs) and names what computed it.
    expect(lastJob.progress).toEqual({
      phase: 'done',
      unit: 'candidate',
      scored: candidates.length,
      candidates: candidates.length,
      eta_seconds: 0,
    });
    expect(lastJob).toMatchObject({
      backend: 'none',
      backend_details: { name: 'none', description: expect.stringContaining('no network') },
      error: null,
      note: null,
    });
    expect(v.backend).toBe('none');
    const predict = await t.fetch('/api/v1/models/gbp_selection/predict', {
      method: 'POST',
      json: { symbol: 'GBP/USD', timeframe: '1d' },
    });
    expect(predict.status).toBe(422);

    const next = await train({
      name: 'From selection',
      model_type: 'time_series',
      features: undefined,
      features_from: 'gbp_selection@1.0.0',
      target: 'price_change_1d',
      symbols: ['GBP/USD'],
      hyperparameters: { units: 8, epochs: 2 },
    });
    expect(next.features).toEqual(v.metrics.suggested);
    expect(next.data_config.features_from).toBe('gbp_selection@1.0.0');
    const bad = await t.fetch('/api/v1/models/train', {
      method: 'POST',
      json: {
        ...common,
        name: 'Bad ref',
        model_type: 'time_series',
        features_from: 'dir_rw@1.0.0',
        target: 'price_change_1d',
        symbols: ['GBP/USD'],
      },
    });
    expect(bad.status).toBe(422);
  });
});

describe('the reinforcement-learning agent through HTTP', () => {
  let t: TestApp;
  const rl = {
    model_type: 'reinforcement_learning',
    features: ['returns_1', 'returns_5', 'zscore_20'],
    target: 'price_change_1d',
    ...common,
    window: 8,
    spread_pips: 1,
    hyperparameters: { units: 32, layers: 2, episodes: 8, batch_size: 64, learning_rate: 0.001 },
  };
  let lastJob: any;
  const train = async (body: Record<string, unknown>) => {
    const res = await t.fetch('/api/v1/models/train', { method: 'POST', json: { ...rl, ...body } });
    const json = await res.json();
    if (res.status !== 202) throw new Error(`${res.status} ${JSON.stringify(json)}`);
    const job = await waitForJob(t, json.job_id, 180_000);
    expect(job).toMatchObject({ status: 'succeeded' });
    lastJob = job;
    return (await t.fetch(`/api/v1/models/${json.model_id}/versions/${json.version}`)).json();
  };
  beforeAll(async () => {
    t = await startTestApp({ MAX_TRAINING_MEMORY: '8' });
    await importDaily(t, 'EUR/USD', dailyCsv(randomWalk(1600, 31)));
    await importDaily(t, 'GBP/USD', dailyCsv(meanReverting(1600, 9)));
  });
  afterAll(async () => {
    await t?.close();
  });

  it('on a planted pattern the DQN beats buy-and-hold and always-flat after costs; predict answers action and q_values', async () => {
    const v = await train({ name: 'DQN MR', symbols: ['GBP/USD'] });
    for (const k of ['total_return', 'annualized_return', 'sharpe', 'max_drawdown', 'trades', 'exposure'])
      expect(v.metrics).toHaveProperty(k);
    expect(v.metrics.total_return).toBeGreaterThan(v.baselines.buy_and_hold.total_return);
    expect(v.metrics.total_return).toBeGreaterThan(v.baselines.always_flat.total_return + 0.02);
    const run = await (await t.fetch(`/api/v1/runs/${v.run_id}`)).json();
    expect(run.metric_history.val_return.length).toBeGreaterThan(0);
    // An agent's job counts episodes (8 asked), with its reward curves, not epochs.
    expect(lastJob.progress).toEqual({
      phase: 'done',
      unit: 'episode',
      episode: 8,
      episodes: 8,
      train_reward: expect.any(Number),
      val_return: expect.any(Number),
      eta_seconds: 0,
    });
    const res = await (
      await t.fetch('/api/v1/models/dqn_mr/predict', { method: 'POST', json: { symbol: 'GBP/USD', timeframe: '1d' } })
    ).json();
    expect(['sell', 'hold', 'buy']).toContain(res.prediction.action);
    expect(Object.keys(res.prediction.q_values)).toEqual(['sell', 'hold', 'buy']);
  });

  it('on a random walk it does not beat always-flat after costs beyond noise', async () => {
    const v = await train({ name: 'DQN RW', symbols: ['EUR/USD'] });
    // Noise: buy-and-hold's volatility over the test period (daily vol × √n).
    const noise = 0.005 * Math.sqrt(v.metrics.steps);
    expect(v.metrics.total_return - v.baselines.always_flat.total_return).toBeLessThan(2 * noise);
  });

  it('refuses what the agent cannot do: several symbols, a horizon longer than one bar', async () => {
    for (const body of [
      { symbols: ['EUR/USD', 'GBP/USD'] },
      { symbols: ['EUR/USD'], target: 'price_change_5' },
      { symbols: ['EUR/USD'], architecture: 'lstm' },
    ]) {
      const res = await t.fetch('/api/v1/models/train', { method: 'POST', json: { ...rl, name: 'DQN bad', ...body } });
      expect(res.status).toBe(422);
    }
  });
});
