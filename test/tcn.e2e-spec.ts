import * as fs from 'node:fs';
import * as path from 'node:path';
import { windowFromRows, type Scaler } from '../src/features/core';
import { loadModel, predictBatch } from '../src/ml';
import { importDaily, waitForJob } from './support/jobs';
import { dailyCsv, randomWalk } from './support/series';
import { startTestApp, type TestApp } from './support/test-app';
import { DAILY_TIME_SERIES_REQUEST } from './support/train-request';

const FEATURES = DAILY_TIME_SERIES_REQUEST.features;
const W = DAILY_TIME_SERIES_REQUEST.window;

/**
 * The architecture added through the registry alone (src/ml/architectures/tcn.ts + one line):
 * a TCN trains through the API, registers a version, predicts; its missing ONNX export is a
 * clear 409, and tfjs serves it even where ONNX Runtime is the preferred engine.
 */
describe('a temporal convolutional network through HTTP', () => {
  let t: TestApp;
  let version: Record<string, any>;
  type FeatureRow = { values: Record<string, number | null> };
  let rows: FeatureRow[];

  beforeAll(async () => {
    t = await startTestApp({ MAX_TRAINING_MEMORY: '8', PREDICTION_ENGINE: 'onnxruntime' });
    await importDaily(t, 'EUR/USD', dailyCsv(randomWalk(900, 17)));
    const res = await t.fetch('/api/v1/models/train', {
      method: 'POST',
      json: {
        ...DAILY_TIME_SERIES_REQUEST,
        name: 'RW tcn',
        architecture: 'tcn',
        symbols: ['EUR/USD'],
        hyperparameters: { units: 8, epochs: 3, batch_size: 64 },
      },
    });
    expect(res.status).toBe(202);
    const job = await waitForJob(t, (await res.json()).job_id);
    expect(job).toMatchObject({ status: 'succeeded', error: null });
    version = await (await t.fetch('/api/v1/models/rw_tcn/versions/1.0.0')).json();
    rows = (
      await (await t.fetch(`/api/v1/features/values?symbol=EUR/USD&timeframe=1d&features=${FEATURES.join(',')}`)).json()
    ).rows;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('registers a version with metrics beside the baselines, the registry’s default depth, and tfjs files only', () => {
    expect(version).toMatchObject({
      architecture: 'tcn',
      status: 'experimental',
      window: W,
      hyperparameters: { units: 8, layers: 3, epochs: 3 },
    });
    for (const key of ['mse', 'rmse', 'directional_accuracy']) expect(typeof version.metrics[key]).toBe('number');
    expect(typeof version.baselines.naive_zero.mse).toBe('number');
    expect(version.files).toEqual(
      expect.arrayContaining(['model/model.json', 'model/weights.bin', 'preprocessing.json']),
    );
    expect(version.files).not.toContain('model/model.onnx');
    expect(version.signature.onnx).toBeNull();
  });

  it('predicts through the API with tfjs, equal to the stored model run offline on the same scaled window', async () => {
    const dir = path.join(t.registryPath, 'rw_tcn', '1.0.0');
    const pre = JSON.parse(fs.readFileSync(path.join(dir, 'preprocessing.json'), 'utf8')) as {
      scaler: Scaler;
      target_scaler: { mean: number; std: number };
    };
    const slice = rows.slice(rows.length - W - 3);
    const features = Object.fromEntries(FEATURES.map((f) => [f, slice.map((r) => r.values[f] as number)]));
    const res = await t.fetch('/api/v1/models/rw_tcn/predict', {
      method: 'POST',
      json: { symbol: 'EUR/USD', timeframe: '1d', features },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-prediction-engine')).toBe('tfjs');
    const body = await res.json();
    expect(body).toMatchObject({
      model_id: 'rw_tcn',
      version: '1.0.0',
      prediction: { target: 'price_change_1d', value: expect.any(Number), horizon_bars: 1 },
    });

    const model = await loadModel(path.join(dir, 'model'));
    try {
      const x = windowFromRows(
        slice.map((r) => FEATURES.map((f) => r.values[f] as number)),
        pre.scaler,
        W,
      );
      const [raw] = await predictBatch(model, x, [1, W, FEATURES.length]);
      expect(
        Math.abs(body.prediction.value - (raw * pre.target_scaler.std + pre.target_scaler.mean)),
      ).toBeLessThanOrEqual(1e-9);
    } finally {
      model.dispose();
    }
    const served = await (await t.fetch('/api/v1/models/rw_tcn/versions/1.0.0')).json();
    expect(served.serving).toMatchObject({
      engine: 'tfjs',
      reason: expect.stringContaining('architecture tcn has no ONNX export'),
    });
  });

  it('GET …/model.onnx answers 409 ONNX_EXPORT_UNSUPPORTED with the reason, in the error envelope', async () => {
    const res = await t.fetch('/api/v1/models/rw_tcn/versions/1.0.0/model.onnx');
    expect(res.status).toBe(409);
    const body = await res.json();
    expect(body).toMatchObject({
      error_code: 'ONNX_EXPORT_UNSUPPORTED',
      message: expect.stringMatching(
        /has no model\.onnx: architecture tcn has no ONNX export: .*WorkbenchCausalConv1D.*served by tfjs/,
      ),
      details: {
        model_id: 'rw_tcn',
        version: '1.0.0',
        architecture: 'tcn',
        reason: expect.stringContaining('no ONNX export'),
      },
      correlation_id: expect.any(String),
    });
  });

  it('tcn is offered for time_series only: classification answers 422 naming what it offers', async () => {
    const res = await t.fetch('/api/v1/models/train', {
      method: 'POST',
      json: {
        ...DAILY_TIME_SERIES_REQUEST,
        name: 'Dir tcn',
        model_type: 'classification',
        target: 'direction_1d',
        architecture: 'tcn',
        symbols: ['EUR/USD'],
      },
    });
    expect(res.status).toBe(422);
    expect((await res.json()).message).toBe(
      'architecture tcn is not available for classification; choose one of gru, lstm, dense',
    );
  });
});
