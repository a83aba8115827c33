import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { DataSource } from 'typeorm';
import { windowFromRows, type Scaler } from '../src/features/core';
import { getTf, loadModel, predictBatch } from '../src/ml';
import { OrtPool } from '../src/ml/onnx';
import { ModelsService } from '../src/models/models.service';
import { PredictionService } from '../src/prediction/prediction.service';
import { importDaily, waitForJob } from './support/jobs';
import { dailyCsv, randomWalk } from './support/series';
import { startTestApp, type TestApp } from './support/test-app';

const FEATURES = ['returns_1', 'sma_20', 'rsi_14', 'zscore_20'];
const W = 10;
const MODEL = 'pred_lstm';

/** POST each body on its own pre-opened connection, all written in the same turn. */
async function simultaneous(
  url: string,
  route: string,
  bodies: unknown[],
): Promise<Array<{ status: number; body: unknown }>> {
  const { hostname, port } = new URL(url);
  const sockets = await Promise.all(
    bodies.map(
      () =>
        new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect(Number(port), hostname, () => resolve(s));
          s.once('error', reject);
        }),
    ),
  );
  const replies = sockets.map(
    (s) =>
      new Promise<{ status: number; body: unknown }>((resolve, reject) => {
        const chunks: Buffer[] = [];
        s.on('data', (c) => chunks.push(c));
        s.once('error', reject);
        s.once('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const [head, ...rest] = text.split('\r\n\r\n');
          resolve({ status: Number(head.split(' ')[1]), body: JSON.parse(rest.join('\r\n\r\n')) });
        });
      }),
  );
  const requests = bodies.map((b) => {
    const json = JSON.stringify(b);
    return `POST ${route} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`;
  });
  // Let the server accept every connection and start reading before anything is sent.
  await new Promise((r) => setTimeout(r, 100));
  sockets.forEach((s, i) => s.write(requests[i]));
  return Promise.all(replies);
}

type FeatureRow = { timestamp: string; values: Record<string, number | null> };

describe('prediction through HTTP', () => {
  let t: TestApp;
  let service: PredictionService;
  let rows: FeatureRow[]; // every computed feature row of EUR/USD, oldest first

  /** The features of `n` rows ending `back` rows before the last one, in the request shape. */
  const featuresOf = (n: number, back = 0): Record<string, number[]> => {
    const slice = rows.slice(rows.length - back - n, rows.length - back);
    return Object.fromEntries(FEATURES.map((f) => [f, slice.map((r) => r.values[f] as number)]));
  };
  const predict = (body: unknown, model = MODEL) =>
    t.fetch(`/api/v1/models/${model}/predict`, { method: 'POST', json: body });
  const ok = async (body: unknown) => {
    const res = await predict(body);
    const json = await res.json();
    if (res.status !== 200) throw new Error(`${res.status}: ${JSON.stringify(json)}`);
    return json;
  };

  beforeAll(async () => {
    // ONNX Runtime answers by policy: under `auto` the engine is chosen by a latency measurement at
    // load, which a loaded machine sometimes hands to tfjs (the choice itself is tested in onnx.e2e).
    t = await startTestApp({ MAX_TRAINING_MEMORY: '8', MONITORING_FLUSH_MS: '100', PREDICTION_ENGINE: 'onnxruntime' });
    service = t.app.get(PredictionService);
    await importDaily(t, 'EUR/USD', dailyCsv(randomWalk(700, 21)));
    const accepted = await (
      await t.fetch('/api/v1/models/train', {
        method: 'POST',
        json: {
          name: 'Pred LSTM',
          model_type: 'time_series',
          features: FEATURES,
          target: 'price_change_1d',
          symbols: ['EUR/USD'],
          timeframe: '1d',
          window: W,
          start_date: '2000-01-01T00:00:00Z',
          end_date: '2010-01-01T00:00:00Z',
          validation_split: 0.2,
          test_split: 0.2,
          seed: 3,
          hyperparameters: { units: 8, epochs: 1, batch_size: 64 },
        },
      })
    ).json();
    const job = await waitForJob(t, accepted.job_id);
    expect(job.status).toBe('succeeded');
    const values = await (
      await t.fetch(`/api/v1/features/values?symbol=EUR/USD&timeframe=1d&features=${FEATURES.join(',')}`)
    ).json();
    rows = values.rows;
    expect(rows.length).toBe(700);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('predicts from explicit features in the seed body and answers in the documented shape', async () => {
    const res = await predict({ symbol: 'EUR/USD', timeframe: '1d', features: featuresOf(15) });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(Object.keys(body).sort()).toEqual([
      'as_of',
      'latency_ms',
      'model_id',
      'model_type',
      'prediction',
      'signal',
      'symbol',
      'timeframe',
      'timestamp',
      'version',
    ]);
    expect(body).toMatchObject({
      model_id: MODEL,
      version: '1.0.0',
      model_type: 'time_series',
      symbol: 'EUR/USD',
      timeframe: '1d',
      signal: null,
      as_of: null,
    });
    expect(body.prediction).toEqual({ target: 'price_change_1d', value: expect.any(Number), horizon_bars: 1 });
    expect(Math.abs(body.prediction.value)).toBeLessThan(0.1);
    expect(Date.parse(body.timestamp)).toBeGreaterThan(Date.now() - 60_000);
    expect(body.latency_ms).toBeGreaterThanOrEqual(0);
    // Symbol spellings are canonicalised.
    expect((await ok({ symbol: 'eur_usd', timeframe: '1d', features: featuresOf(15) })).prediction.value).toBe(
      body.prediction.value,
    );
  });

  it('equals the offline prediction bit for bit: model.onnx in ONNX Runtime (the engine that answers) on the window windowFromRows builds with the stored scaler, and tfjs (loadModel + predictBatch) to 1e-5', async () => {
    const dir = path.join(t.registryPath, MODEL, '1.0.0');
    const pre = JSON.parse(fs.readFileSync(path.join(dir, 'preprocessing.json'), 'utf8')) as {
      scaler: Scaler;
      window: number;
      target_scaler: { mean: number; std: number };
    };
    expect(pre.window).toBe(W);
    const res = await predict({ symbol: 'EUR/USD', timeframe: '1d', features: featuresOf(W) });
    expect(res.headers.get('x-prediction-engine')).toBe('onnxruntime');
    expect(res.headers.get('x-model-version')).toBe('1.0.0');
    const model = await loadModel(path.join(dir, 'model'));
    const pool = new OrtPool({ threads: 1, intraOpThreads: 1 });
    await pool.load('offline', fs.readFileSync(path.join(dir, 'model', 'model.onnx')));
    try {
      for (const back of [0, 1, 7, 50, 300]) {
        const features = featuresOf(W + 5, back);
        const api = await ok({ symbol: 'EUR/USD', timeframe: '1d', features });
        const windowRows = Array.from({ length: W + 5 }, (_, i) => FEATURES.map((f) => features[f][i]));
        const x = windowFromRows(windowRows, pre.scaler, W);
        const { data } = await pool.run('offline', 'window', 'output', x, [1, W, FEATURES.length]);
        expect(api.prediction.value).toBe(data[0] * pre.target_scaler.std + pre.target_scaler.mean);
        const [raw] = await predictBatch(model, x, [1, W, FEATURES.length]);
        expect(Math.abs(raw - data[0])).toBeLessThanOrEqual(1e-5);
      }
    } finally {
      model.dispose();
      await pool.close();
    }
  });

  describe('input checks: 422 with a message that says what to send', () => {
    const good = () => ({ symbol: 'EUR/USD', timeframe: '1d', features: featuresOf(12) });
    const expect422 = async (body: unknown, code: string, ...patterns: RegExp[]) => {
      const res = await predict(body);
      const json = await res.json();
      expect({ status: res.status, code: json.error_code }).toEqual({ status: 422, code });
      for (const p of patterns) expect(json.message).toMatch(p);
      expect(json.correlation_id).toEqual(expect.any(String));
      return json;
    };

    it('a missing feature is named', async () => {
      const body = good();
      delete body.features.rsi_14;
      const json = await expect422(body, 'FEATURE_MISMATCH', /Missing: rsi_14/, /returns_1, sma_20, rsi_14, zscore_20/);
      expect(json.details).toMatchObject({ missing: ['rsi_14'], extra: [] });
    });

    it('an extra feature is an error too, not silently dropped', async () => {
      const body = good();
      body.features.macd = body.features.sma_20;
      const json = await expect422(body, 'FEATURE_MISMATCH', /remove them\): macd/);
      expect(json.details).toMatchObject({ missing: [], extra: ['macd'] });
    });

    it('arrays shorter than the window say needed and given', async () => {
      const json = await expect422(
        { ...good(), features: featuresOf(4) },
        'WINDOW_TOO_SHORT',
        /has 4 values/,
        /window of 10/,
      );
      expect(json.details).toMatchObject({ needed: 10, given: 4 });
    });

    it('arrays of unequal length', async () => {
      const body = good();
      body.features.zscore_20 = body.features.zscore_20.slice(1);
      await expect422(body, 'FEATURE_LENGTH_MISMATCH', /same length/, /features\.zscore_20 has 11/);
    });

    it.each([
      ['the string "NaN"', 'NaN'],
      ['null', null],
      ['a string', '1.1'],
      ['an object', { v: 1 }],
    ])('only finite numbers: %s', async (_, bad) => {
      const body = good() as { features: Record<string, unknown[]> };
      body.features.sma_20[3] = bad;
      const json = await expect422(body, 'NON_FINITE_FEATURE', /features\.sma_20\[3\]/, /only finite numbers/);
      expect(json.details.fields[0].field).toBe('features.sma_20[3]');
    });

    it('a literal NaN is not JSON: 400', async () => {
      const res = await t.fetch(`/api/v1/models/${MODEL}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"symbol":"EUR/USD","timeframe":"1d","features":{"sma_20":[NaN]}}',
      });
      expect(res.status).toBe(400);
    });

    it('a symbol the model was not trained on, unless allow_other_symbol', async () => {
      await expect422(
        { ...good(), symbol: 'GBP/USD' },
        'SYMBOL_NOT_TRAINED',
        /trained on EUR\/USD, not GBP\/USD/,
        /allow_other_symbol/,
      );
      const body = await ok({ ...good(), symbol: 'GBP/USD', allow_other_symbol: true });
      expect(body.symbol).toBe('GBP/USD');
      expect(body.prediction.value).toBe((await ok(good())).prediction.value);
    });

    it('a timeframe the model was not trained on (allow_other_symbol does not change that)', async () => {
      await expect422({ ...good(), timeframe: '1h' }, 'TIMEFRAME_MISMATCH', /trained on 1d bars/);
      await expect422({ ...good(), timeframe: '1h', allow_other_symbol: true }, 'TIMEFRAME_MISMATCH');
    });

    it('missing symbol, unknown top-level fields, features that are not an object', async () => {
      await expect422({ timeframe: '1d', features: featuresOf(12) }, 'VALIDATION_FAILED', /symbol is required/);
      await expect422({ ...good(), feature: {} }, 'VALIDATION_FAILED', /feature/);
      await expect422({ ...good(), features: [1, 2, 3] }, 'INVALID_FEATURES', /must be an object/);
      await expect422({ ...good(), version: 'latest' }, 'VALIDATION_FAILED', /version/);
    });
  });

  it('404 for an unknown model, version or deployment target', async () => {
    const body = { symbol: 'EUR/USD', timeframe: '1d', features: featuresOf(10) };
    let res = await predict(body, 'no_such_model');
    expect(res.status).toBe(404);
    expect((await res.json()).error_code).toBe('MODEL_NOT_FOUND');
    res = await predict({ ...body, version: '9.9.9' });
    expect(res.status).toBe(404);
    expect((await res.json()).error_code).toBe('VERSION_NOT_FOUND');
    res = await predict({ ...body, target: 'nowhere' });
    expect(res.status).toBe(404);
    expect((await res.json()).error_code).toBe('DEPLOYMENT_NOT_FOUND');
    expect((await predict(body, '..%2Fetc')).status).toBe(422);
  });

  it('409 for a version still training, failed or cancelled; the default skips to the latest trained one', async () => {
    const models = t.app.get(ModelsService);
    await t.app.get(DataSource).transaction((m) =>
      models.reserveVersion(m, {
        modelId: MODEL,
        name: 'Pred LSTM',
        type: 'time_series',
        version: { target: 'price_change_1d', timeframe: '1d', window: W, features: FEATURES, symbols: ['EUR/USD'] },
      }),
    );
    const body = { symbol: 'EUR/USD', timeframe: '1d', features: featuresOf(10), version: '1.1.0' };
    for (const [status, code, pattern] of [
      ['queued', 'VERSION_NOT_READY', /still training/],
      ['training', 'VERSION_NOT_READY', /still training/],
      ['failed', 'VERSION_NOT_SERVABLE', /failed to train/],
      ['cancelled', 'VERSION_NOT_SERVABLE', /cancelled/],
      ['archived', 'VERSION_ARCHIVED', /archived/],
    ] as const) {
      await models.setStatus(MODEL, '1.1.0', status);
      service.invalidate(MODEL);
      const res = await predict(body);
      const json = await res.json();
      expect({ status, http: res.status, code: json.error_code }).toEqual({ status, http: 409, code });
      expect(json.message).toMatch(pattern);
      // Without a version, the latest *trained* version answers.
      expect((await ok({ ...body, version: undefined })).version).toBe('1.0.0');
    }
    const resolved = await service.resolveVersion(MODEL);
    expect(resolved).toMatchObject({
      model_id: MODEL,
      version: '1.0.0',
      status: 'experimental',
      model_type: 'time_series',
      deployment: null,
    });
  });

  it('a deployment target picks its version and gives signal = predicted change × scaling_factor; the prediction is recorded', async () => {
    const deployed = await t.fetch(`/api/v1/models/${MODEL}/deploy`, {
      method: 'POST',
      json: { version: '1.0.0', deployment_target: 'strategy_engine', scaling_factor: 2, monitoring_level: 'high' },
    });
    expect(deployed.status).toBe(201);
    const deployment = await deployed.json();
    const features = featuresOf(12);
    const plain = await ok({ symbol: 'EUR/USD', timeframe: '1d', features });
    const viaTarget = await ok({ symbol: 'EUR/USD', timeframe: '1d', features, target: 'strategy_engine' });
    expect(viaTarget.version).toBe('1.0.0');
    expect(viaTarget.prediction).toEqual(plain.prediction);
    expect(viaTarget.signal).toBe(plain.prediction.value * 2);
    const report = await (await t.fetch(`/api/v1/deployments/${deployment.id}/monitoring?recent=5`)).json();
    expect(report.requests).toBe(1);
    expect(report.errors).toBe(0);
    const recent = report.recent_requests as Array<{ inputs: { features: Record<string, number[]> } }>;
    expect(recent).toHaveLength(1);
    expect(recent[0].inputs.features.sma_20).toEqual(features.sma_20.slice(-W));
    const mismatch = await predict({
      symbol: 'EUR/USD',
      timeframe: '1d',
      features,
      target: 'strategy_engine',
      version: '1.1.0',
    });
    expect(mismatch.status).toBe(422);
    expect((await mismatch.json()).error_code).toBe('VERSION_TARGET_MISMATCH');
    // Undeployed again so the other tests see an experimental version.
    expect((await t.fetch(`/api/v1/deployments/${deployment.id}/undeploy`, { method: 'POST' })).status).toBe(200);
  });

  it('without features, builds the latest window from stored bars: equal to sending the features GET /features/values computes', async () => {
    const fromBars = await ok({ symbol: 'EUR/USD', timeframe: '1d' });
    const explicit = await ok({ symbol: 'EUR/USD', timeframe: '1d', features: featuresOf(W) });
    expect(fromBars.prediction.value).toBe(explicit.prediction.value);
    expect(fromBars.as_of).toBe(rows[rows.length - 1].timestamp.replace('Z', '.000Z').replace('.000.000Z', '.000Z'));
    // No stored bars for the symbol: a 422 that says so.
    const none = await predict({ symbol: 'GBP/USD', timeframe: '1d', allow_other_symbol: true });
    expect(none.status).toBe(422);
    expect((await none.json()).message).toMatch(/No 1d bars stored for GBP\/USD/);
  });

  it('batch form: many windows in one request, each equal to its single prediction; 413 past the limit', async () => {
    const instances = [0, 3, 9].map((back) => ({ features: featuresOf(W, back) }));
    const res = await predict({ symbol: 'EUR/USD', timeframe: '1d', instances });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ model_id: MODEL, version: '1.0.0', model_type: 'time_series', count: 3 });
    for (let i = 0; i < 3; i++) {
      const single = await ok({ symbol: 'EUR/USD', timeframe: '1d', features: instances[i].features });
      expect(body.predictions[i]).toEqual({
        symbol: 'EUR/USD',
        timeframe: '1d',
        prediction: single.prediction,
        signal: null,
        as_of: null,
      });
    }
    // Per-instance symbol, and an instance built from stored bars.
    const mixed = await ok({
      timeframe: '1d',
      instances: [{ symbol: 'EURUSD', features: featuresOf(W) }, { symbol: 'EUR/USD' }],
    });
    expect(mixed.predictions[0].prediction).toEqual(mixed.predictions[1].prediction);
    // A bad instance is named; nothing is predicted.
    const bad = await predict({
      symbol: 'EUR/USD',
      timeframe: '1d',
      instances: [instances[0], { features: featuresOf(3) }],
    });
    expect(bad.status).toBe(422);
    expect((await bad.json()).details.fields[0].field).toBe('instances[1].features.returns_1');
    const big = await predict({
      symbol: 'EUR/USD',
      timeframe: '1d',
      instances: Array.from({ length: 257 }, () => ({})),
    });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({
      error_code: 'PAYLOAD_TOO_LARGE',
      details: { max_instances: 256, given: 257 },
    });
    expect((await predict({ symbol: 'EUR/USD', timeframe: '1d', instances: [] })).status).toBe(422);
    expect((await predict({ symbol: 'EUR/USD', timeframe: '1d', features: featuresOf(W), instances })).status).toBe(
      422,
    );
  });

  it('50 concurrent requests are all answered correctly, and the micro-batcher coalesced them', async () => {
    const windows = Array.from({ length: 50 }, (_, i) => featuresOf(W, i * 3));
    const expected: number[] = [];
    for (const features of windows)
      expected.push((await ok({ symbol: 'EUR/USD', timeframe: '1d', features })).prediction.value);
    const before = service.stats().batches;
    // 50 connections opened first, then every request written in one go, so that they reach
    // the server together (fetch from this same process trickles them in one by one).
    const answers = await simultaneous(
      t.url,
      `/api/v1/models/${MODEL}/predict`,
      windows.map((features) => ({ symbol: 'EUR/USD', timeframe: '1d', features })),
    );
    expect(answers.map((a) => a.status)).toEqual(windows.map(() => 200));
    expect(answers.map((a) => (a.body as { prediction: { value: number } }).prediction.value)).toEqual(expected);
    const after = service.stats().batches;
    expect(after.windows - before.windows).toBe(50);
    expect(after.coalesced - before.coalesced).toBeGreaterThan(0);
    expect(after.batches - before.batches).toBeLessThan(50);
    expect(after.max_batch).toBeGreaterThan(1);
  });

  it('loads a model once, keeps it cached (warm), and leaks no tensors over many predictions', async () => {
    const warmed = await service.warm(MODEL, '1.0.0');
    expect(warmed).toMatchObject({ model_id: MODEL, version: '1.0.0', cached: true, bytes: expect.any(Number) });
    expect(service.stats().cache.loads).toBe(1);
    const body = { symbol: 'EUR/USD', timeframe: '1d', features: featuresOf(W) };
    await ok(body);
    const tf = getTf();
    const tensors = tf.memory().numTensors;
    for (let round = 0; round < 10; round++) await Promise.all(Array.from({ length: 30 }, () => ok(body)));
    await ok({
      symbol: 'EUR/USD',
      timeframe: '1d',
      instances: Array.from({ length: 100 }, () => ({ features: body.features })),
    });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(service.stats().cache.loads).toBe(1);
  });

  it('a corrupt artifact is a clear 500 naming the file, a missing one too; neither crashes the service', async () => {
    const dir = path.join(t.registryPath, MODEL, '1.0.0');
    expect(service.evict(MODEL)).toBe(1);
    const weights = path.join(dir, 'model', 'weights.bin');
    const original = fs.readFileSync(weights);
    const flipped = Buffer.from(original);
    flipped[0] ^= 0xff;
    fs.writeFileSync(weights, flipped);
    const body = { symbol: 'EUR/USD', timeframe: '1d', features: featuresOf(W) };
    let res = await predict(body);
    let json = await res.json();
    expect(res.status).toBe(500);
    expect(json).toMatchObject({
      error_type: 'ModelError',
      error_code: 'ARTIFACT_CORRUPT',
      details: { file: 'model/weights.bin', check: 'sha256' },
    });
    fs.writeFileSync(weights, original);
    expect((await predict(body)).status).toBe(200);
    service.evict(MODEL);
    fs.renameSync(dir, `${dir}.moved`);
    res = await predict(body);
    json = await res.json();
    expect(res.status).toBe(500);
    expect(json.error_code).toBe('ARTIFACT_MISSING');
    expect(json.message).toMatch(/artifact is missing/);
    fs.renameSync(`${dir}.moved`, dir);
    expect((await t.fetch('/health/live')).status).toBe(200);
    expect((await predict(body)).status).toBe(200);
  });

  it('is documented in the OpenAPI document, signal per model type included', async () => {
    const doc = await (await t.fetch('/docs-json')).json();
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeDefined();
    const op = doc.paths['/api/v1/models/{model_id}/predict'].post;
    expect(op.summary).toEqual(expect.any(String));
    expect(op.security).toEqual(expect.arrayContaining([{ api_key: [] }]));
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '404', '409', '413', '422']));
    expect(doc.components.schemas.PredictResponseDto.properties.signal.description).toMatch(
      /regression.*classification.*anomaly.*reinforcement/s,
    );
  });
});
