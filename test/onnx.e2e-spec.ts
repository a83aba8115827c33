import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { importDaily, waitForJob } from './support/jobs';
import {
  evalTrees,
  externalDataOnnx,
  linearOnnx,
  treeEnsembleOnnx,
  unknownOperatorOnnx,
  type Tree,
} from './support/onnx-fixtures';
import { dailyCsv, randomWalk } from './support/series';
import { startTestApp, type TestApp } from './support/test-app';

const FEATURES = ['returns_1', 'sma_20', 'rsi_14', 'zscore_20'];
const W = 10;
const MODEL = 'onnx_lstm';
const IMPORT_LIMIT = 200_000;

/** A multipart/form-data body (what `curl -F` sends). */
function form(fields: Record<string, string | { data: Uint8Array; filename: string }>): {
  body: Buffer;
  contentType: string;
} {
  const boundary = `----mlwb${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const [name, v] of Object.entries(fields)) {
    const file = typeof v !== 'string';
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${file ? `; filename="${v.filename}"` : ''}\r\n${file ? 'Content-Type: application/octet-stream\r\n' : ''}\r\n`,
      ),
    );
    chunks.push(file ? Buffer.from(v.data) : Buffer.from(v, 'utf8'));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

const TREES: Tree[] = [
  { nodes: [{ feature: 0, value: 0.5, true: 1, false: 2 }, { leaf: 1.0 }, { leaf: 2.0 }] },
  {
    nodes: [
      { feature: 1, value: -1, true: 1, false: 2 },
      { leaf: 0.25 },
      { feature: 0, value: 2, true: 3, false: 4 },
      { leaf: -0.5 },
      { leaf: 0.75 },
    ],
  },
];

describe('ONNX: every trained version exported, models trained elsewhere imported and served like our own', () => {
  let t: TestApp;
  let features: Record<string, number[]>;

  const upload = (fields: Parameters<typeof form>[0]) => {
    const { body, contentType } = form(fields);
    return t.fetch('/api/v1/models/import', { method: 'POST', headers: { 'content-type': contentType }, body });
  };
  const predict = (model: string, body: unknown) =>
    t.fetch(`/api/v1/models/${model}/predict`, { method: 'POST', json: body });
  const ok = async (res: Promise<Awaited<ReturnType<TestApp['fetch']>>>) => {
    const r = await res;
    const json = await r.json();
    if (r.status >= 300) throw new Error(`${r.status}: ${JSON.stringify(json)}`);
    return json;
  };
  /** Nothing of a rejected import is left: no model row, no files in the registry. */
  const assertNothingStored = async (modelId: string) => {
    expect((await t.fetch(`/api/v1/models/${modelId}`)).status).toBe(404);
    expect(fs.existsSync(path.join(t.registryPath, modelId))).toBe(false);
  };

  beforeAll(async () => {
    t = await startTestApp({
      MAX_TRAINING_MEMORY: '8',
      MONITORING_FLUSH_MS: '100',
      ONNX_IMPORT_MAX_BYTES: String(IMPORT_LIMIT),
    });
    await importDaily(t, 'EUR/USD', dailyCsv(randomWalk(400, 5)));
    const accepted = await ok(
      t.fetch('/api/v1/models/train', {
        method: 'POST',
        json: {
          name: 'ONNX LSTM',
          model_id: MODEL,
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
          seed: 4,
          hyperparameters: { units: 8, epochs: 1, batch_size: 64 },
        },
      }),
    );
    expect((await waitForJob(t, accepted.job_id)).status).toBe('succeeded');
    const values = await ok(
      t.fetch(`/api/v1/features/values?symbol=EUR/USD&timeframe=1d&features=${FEATURES.join(',')}`),
    );
    const rows = values.rows.slice(-W) as Array<{ values: Record<string, number> }>;
    features = Object.fromEntries(FEATURES.map((f) => [f, rows.map((r) => r.values[f])]));
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a trained version writes model/model.onnx into its checksummed artifact, downloadable with its sha256, and its JSON carries the signature', async () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(t.registryPath, MODEL, '1.0.0', 'manifest.json'), 'utf8'));
    expect(manifest.files['model/model.onnx']).toEqual({
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      bytes: expect.any(Number),
    });
    const res = await t.fetch(`/api/v1/models/${MODEL}/versions/1.0.0/model.onnx`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${MODEL}-1.0.0.onnx"`);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(manifest.files['model/model.onnx'].sha256);
    expect(res.headers.get('x-checksum-sha256')).toBe(manifest.files['model/model.onnx'].sha256);

    const version = await ok(t.fetch(`/api/v1/models/${MODEL}/versions/1.0.0`));
    expect(version.files).toEqual(
      expect.arrayContaining(['model/model.onnx', 'model/model.json', 'model/weights.bin', 'preprocessing.json']),
    );
    expect(version.signature).toMatchObject({
      model_type: 'time_series',
      features: FEATURES,
      window: W,
      timeframe: '1d',
      symbols: ['EUR/USD'],
      target: 'price_change_1d',
      horizon: 1,
      output: 'regression',
      scaler: { kind: 'zscore', features: FEATURES, mean: expect.any(Array), std: expect.any(Array) },
      target_scaler: { mean: expect.any(Number), std: expect.any(Number) },
      onnx: {
        input: 'window',
        output: 'output',
        input_shape: ['batch', W, FEATURES.length],
        preprocessing_in_graph: false,
      },
    });
    expect(Object.keys(version.signature.training_histograms)).toEqual(FEATURES);

    const missing = await t.fetch(`/api/v1/models/${MODEL}/versions/9.9.9/model.onnx`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).error_code).toBe('VERSION_NOT_FOUND');
  });

  it('exported, re-imported as a new model and predicted through the API: the same numbers as the original', async () => {
    const bytes = new Uint8Array(
      await (await t.fetch(`/api/v1/models/${MODEL}/versions/1.0.0/model.onnx`)).arrayBuffer(),
    );
    const { signature } = await ok(t.fetch(`/api/v1/models/${MODEL}/versions/1.0.0`));
    const imported = await ok(
      upload({
        model: { data: bytes, filename: 'model.onnx' },
        signature: JSON.stringify(signature),
        name: 'Re-imported LSTM',
      }),
    );
    expect(imported).toMatchObject({
      model_id: 're_imported_lstm',
      version: '1.0.0',
      status: 'experimental',
      model_type: 'time_series',
      engine: 'onnxruntime',
      onnx: { ir_version: 8, opsets: { '': 18 }, input: 'window', output: 'output' },
    });

    const body = { symbol: 'EUR/USD', timeframe: '1d', features };
    const originalRes = await predict(MODEL, body);
    const original = await originalRes.json();
    const againRes = await predict('re_imported_lstm', body);
    const again = await againRes.json();
    expect(againRes.status).toBe(200);
    expect(againRes.headers.get('x-prediction-engine')).toBe('onnxruntime');
    expect(againRes.headers.get('x-model-version')).toBe('1.0.0');
    // The original (trained here, so both engines can run it) is served by whichever engine was
    // measured faster at load: on a loaded machine that is sometimes tfjs. The header and the
    // version's report must agree with the measurement, whichever won.
    const served = await ok(t.fetch(`/api/v1/models/${MODEL}/versions/1.0.0`));
    expect(served.serving).toMatchObject({
      reason: expect.stringMatching(/measured/),
      measured: {
        onnxruntime_ms: expect.any(Number),
        tfjs_ms: expect.any(Number),
        parity_max_abs_diff: expect.any(Number),
      },
    });
    const { onnxruntime_ms, tfjs_ms, parity_max_abs_diff } = served.serving.measured;
    // (The report rounds to 1 µs: a tie there may have gone either way.)
    const originalEngine: string =
      onnxruntime_ms === tfjs_ms ? served.serving.engine : onnxruntime_ms < tfjs_ms ? 'onnxruntime' : 'tfjs';
    expect(['onnxruntime', 'tfjs']).toContain(originalEngine);
    expect(served.serving.engine).toBe(originalEngine);
    expect(originalRes.headers.get('x-prediction-engine')).toBe(originalEngine);
    expect(parity_max_abs_diff).toBeLessThanOrEqual(1e-5);
    // The same numbers: to float32 rounding when both are ONNX Runtime sessions of the same bytes
    // (different worker threads; once in CI they differed by one ulp, ORT may sum in another
    // order), to the measured parity (in the scaled output, so × the target's std) when tfjs
    // served the original.
    const valueTolerance = (value: number) =>
      1e-6 * Math.abs(value) + (originalEngine === 'tfjs' ? 1e-5 * signature.target_scaler.std : 0);
    expect(Object.keys(again.prediction).sort()).toEqual(Object.keys(original.prediction).sort());
    expect({ ...again.prediction, value: undefined }).toEqual({ ...original.prediction, value: undefined });
    expect(Math.abs(again.prediction.value - original.prediction.value)).toBeLessThanOrEqual(
      valueTolerance(original.prediction.value),
    );
    // Batch instances too (each equal to the single answer of the same engine), and the listing
    // shows it like a trained model.
    const batch = await ok(
      predict('re_imported_lstm', { symbol: 'EUR/USD', timeframe: '1d', instances: [{ features }, { features }] }),
    );
    expect(batch.predictions).toHaveLength(2);
    for (const p of batch.predictions as Array<{ prediction: { value: number } }>) {
      expect({ ...p.prediction, value: undefined }).toEqual({ ...again.prediction, value: undefined });
      expect(Math.abs(p.prediction.value - again.prediction.value)).toBeLessThanOrEqual(
        1e-6 * Math.abs(again.prediction.value),
      );
    }
    const list = await ok(t.fetch('/api/v1/models?name=re-imported'));
    expect(list.models).toEqual([
      expect.objectContaining({
        id: 're_imported_lstm',
        type: 'time_series',
        version: '1.0.0',
        status: 'experimental',
      }),
    ]);

    // The engine is reported per version and in /health/ready.
    expect((await ok(t.fetch('/api/v1/models/re_imported_lstm/versions/1.0.0'))).serving).toMatchObject({
      engine: 'onnxruntime',
      reason: 'ONNX model (no tfjs files)',
    });
    const ready = await ok(t.fetch('/health/ready'));
    expect(ready.details.prediction_engine).toMatchObject({
      status: 'up',
      policy: 'auto',
      onnxruntime: { installed: true, started: true },
    });
    expect(ready.details.prediction_engine.loaded).toEqual(
      expect.arrayContaining([expect.objectContaining({ model_id: MODEL, version: '1.0.0', engine: originalEngine })]),
    );
  });

  it('a linear model trained elsewhere: served predictions equal w·((x − mean) / std) + b computed by hand, window 1', async () => {
    const w = [0.5, -2, 0.25];
    const b = 0.125;
    const mean = [1, 2, 3];
    const std = [2, 4, 0]; // std 0: that feature passes unscaled
    const signature = {
      model_type: 'time_series',
      features: ['f_a', 'f_b', 'f_c'],
      window: 1,
      timeframe: '1h',
      target: 'price_change_1h',
      horizon: 1,
      scaler: { kind: 'zscore', mean, std },
    };
    const imported = await ok(
      upload({
        model: { data: linearOnnx(w, b), filename: 'linear.onnx' },
        signature: JSON.stringify(signature),
        name: 'Linear',
        model_id: 'linear_model',
      }),
    );
    expect(imported.signature_checks).toEqual(
      expect.arrayContaining([expect.stringContaining("input 'x' takes [batch, 3]")]),
    );
    for (const x of [
      [1, 2, 3],
      [3, -6, 10],
      [0.5, 100, -7],
    ]) {
      const body = await ok(
        predict('linear_model', {
          symbol: 'GBP/USD',
          timeframe: '1h',
          features: { f_a: [x[0]], f_b: [x[1]], f_c: [x[2]] },
        }),
      );
      const scaled = x.map((v, j) => (std[j] > 0 ? (v - mean[j]) / std[j] : v - mean[j]));
      const expected = scaled.reduce((s, v, j) => s + v * w[j], b);
      expect(body.prediction.value).toBeCloseTo(expected, 5);
      expect(body.prediction).toMatchObject({ target: 'price_change_1h', horizon_bars: 1 });
    }
    const sig = (await ok(t.fetch('/api/v1/models/linear_model/versions/1.0.0'))).signature;
    expect(sig).toMatchObject({
      scaler: { kind: 'zscore', mean, std },
      onnx: { input: 'x', output: 'y', input_shape: ['batch', 3] },
      drift: { enabled: true },
    });
  });

  it('an imported tree ensemble (ONNX-ML TreeEnsembleRegressor) is served, deployed, rolled back and monitored for drift', async () => {
    const base = 0.1;
    const histograms = {
      f0: { edges: [-2, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3], proportions: new Array(10).fill(0.1) },
      f1: { edges: [-2, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3], proportions: new Array(10).fill(0.1) },
    };
    const signature = {
      model_type: 'time_series',
      features: ['f0', 'f1'],
      window: 1,
      timeframe: '1d',
      symbols: ['EUR/USD'],
      target: 'price_change_1d',
      horizon: 1,
      scaler: null,
      training_histograms: histograms,
    };
    const file = treeEnsembleOnnx(TREES, 2, base);
    const v1 = await ok(
      upload({
        model: { data: file, filename: 'lgbm.onnx' },
        signature: JSON.stringify(signature),
        name: 'LightGBM trees',
        model_id: 'lgbm_trees',
      }),
    );
    expect(v1.onnx).toMatchObject({
      opsets: { '': 15, 'ai.onnx.ml': 3 },
      operators: { 'ai.onnx.ml:TreeEnsembleRegressor': 1 },
    });
    const cases = [
      [0, 0],
      [1, -3],
      [3, 0],
      [0.5, -1],
      [2, 5],
    ];
    for (const x of cases) {
      const body = await ok(
        predict('lgbm_trees', { symbol: 'EUR/USD', timeframe: '1d', features: { f0: [x[0]], f1: [x[1]] } }),
      );
      expect(body.prediction.value).toBeCloseTo(evalTrees(TREES, x, base), 6);
    }
    // A second version (re-trained elsewhere: base 0.6), deployed, then rolled back to v1.
    const v2 = await ok(
      upload({
        model: { data: treeEnsembleOnnx(TREES, 2, 0.6), filename: 'lgbm2.onnx' },
        signature: JSON.stringify(signature),
        name: 'LightGBM trees',
        model_id: 'lgbm_trees',
      }),
    );
    expect(v2.version).toBe('1.1.0');
    await ok(
      t.fetch('/api/v1/models/lgbm_trees/deploy', {
        method: 'POST',
        json: { version: '1.0.0', deployment_target: 'strategy_engine', monitoring_level: 'high' },
      }),
    );
    await ok(
      t.fetch('/api/v1/models/lgbm_trees/deploy', {
        method: 'POST',
        json: { version: '1.1.0', deployment_target: 'strategy_engine', monitoring_level: 'high' },
      }),
    );
    const x = [0, 0];
    const viaTarget = async () =>
      ok(
        predict('lgbm_trees', {
          symbol: 'EUR/USD',
          timeframe: '1d',
          target: 'strategy_engine',
          features: { f0: [x[0]], f1: [x[1]] },
        }),
      );
    expect((await viaTarget()).prediction.value).toBeCloseTo(evalTrees(TREES, x, 0.6), 6);
    const rolled = await ok(
      t.fetch('/api/v1/models/lgbm_trees/rollback', { method: 'POST', json: { deployment_target: 'strategy_engine' } }),
    );
    expect(rolled.version).toBe('1.0.0');
    const served = await viaTarget();
    expect(served.version).toBe('1.0.0');
    expect(served.prediction.value).toBeCloseTo(evalTrees(TREES, x, base), 6);
    // Monitored: inputs far from the supplied training histograms show as drift.
    for (let i = 0; i < 30; i++)
      await ok(
        predict('lgbm_trees', {
          symbol: 'EUR/USD',
          timeframe: '1d',
          target: 'strategy_engine',
          features: { f0: [10 + i], f1: [0.1 * (i % 10)] },
        }),
      );
    let report: any;
    for (let i = 0; i < 50; i++) {
      report = await ok(t.fetch(`/api/v1/deployments/${rolled.id}/monitoring`));
      if (report.requests >= 31) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(report.requests).toBeGreaterThanOrEqual(31);
    expect(report.drift).toMatchObject({ method: 'psi', available: true });
    expect(report.drift.features.f0).toMatchObject({ reference: 'training_histogram', band: 'significant' });
  });

  describe('rejections: a clear 4xx and nothing stored', () => {
    const goodSignature = JSON.stringify({
      model_type: 'time_series',
      features: ['a', 'b'],
      window: 1,
      timeframe: '1d',
      scaler: null,
    });
    const expectRejected = async (
      fields: Parameters<typeof form>[0],
      status: number,
      code: string,
      pattern: RegExp,
      modelId: string,
    ) => {
      const res = await upload(fields);
      const json = await res.json();
      expect({ status: res.status, code: json.error_code }).toEqual({ status, code });
      expect(json.message).toMatch(pattern);
      expect(json.correlation_id).toEqual(expect.any(String));
      await assertNothingStored(modelId);
      return json;
    };

    it('not ONNX', async () => {
      await expectRejected(
        {
          model: { data: Buffer.from('PK\u0003\u0004 this is a zip, not a model'), filename: 'x.onnx' },
          signature: goodSignature,
          name: 'Not onnx',
          model_id: 'rej_not_onnx',
        },
        422,
        'NOT_ONNX',
        /not an ONNX model/,
        'rej_not_onnx',
      );
    });

    it('an unsupported opset, and an operator ONNX Runtime does not implement', async () => {
      await expectRejected(
        {
          model: { data: linearOnnx([1, 2], 0, { opset: 40 }), filename: 'x.onnx' },
          signature: goodSignature,
          name: 'Opset',
          model_id: 'rej_opset',
        },
        422,
        'UNSUPPORTED_OPSET',
        /opset 40 is not supported/,
        'rej_opset',
      );
      await expectRejected(
        {
          model: { data: unknownOperatorOnnx(), filename: 'x.onnx' },
          signature: goodSignature,
          name: 'Op',
          model_id: 'rej_op',
        },
        422,
        'UNSUPPORTED_OPERATOR',
        /FluxCapacitor/,
        'rej_op',
      );
    });

    it('external-data references (the path in the file is never read)', async () => {
      const json = await expectRejected(
        {
          model: { data: externalDataOnnx(), filename: 'x.onnx' },
          signature: goodSignature,
          name: 'Ext',
          model_id: 'rej_ext',
        },
        422,
        'EXTERNAL_DATA',
        /external file/,
        'rej_ext',
      );
      expect(json.details).toMatchObject({ tensor: 'w' });
    });

    it('input or output shapes that do not match the signature', async () => {
      const three = JSON.stringify({
        model_type: 'time_series',
        features: ['a', 'b', 'c'],
        window: 1,
        timeframe: '1d',
      });
      const json = await expectRejected(
        {
          model: { data: linearOnnx([1, 2], 0), filename: 'x.onnx' },
          signature: three,
          name: 'Shape',
          model_id: 'rej_shape',
        },
        422,
        'SIGNATURE_MISMATCH',
        /\[N, 2\].*3 = 3 values per sample/,
        'rej_shape',
      );
      expect(json.details.fields[0].field).toBe('signature.features');
      const classes = JSON.stringify({
        model_type: 'classification',
        features: ['a', 'b'],
        window: 1,
        timeframe: '1d',
        classes: ['down', 'flat', 'up'],
      });
      await expectRejected(
        {
          model: { data: linearOnnx([1, 2], 0), filename: 'x.onnx' },
          signature: classes,
          name: 'Units',
          model_id: 'rej_units',
        },
        422,
        'SIGNATURE_MISMATCH',
        /expects 3 values per sample/,
        'rej_units',
      );
    });

    it('a signature with problems lists each one; bad JSON says so', async () => {
      const json = await expectRejected(
        {
          model: { data: linearOnnx([1, 2], 0), filename: 'x.onnx' },
          signature: JSON.stringify({ model_type: 'alchemy', features: [], timeframe: '2d' }),
          name: 'Sig',
          model_id: 'rej_sig',
        },
        422,
        'INVALID_SIGNATURE',
        /3 problems/,
        'rej_sig',
      );
      expect(json.details.fields.map((f: { field: string }) => f.field)).toEqual([
        'signature.model_type',
        'signature.features',
        'signature.timeframe',
      ]);
      await expectRejected(
        {
          model: { data: linearOnnx([1, 2], 0), filename: 'x.onnx' },
          signature: '{nope',
          name: 'Sig',
          model_id: 'rej_sig',
        },
        422,
        'INVALID_SIGNATURE',
        /not valid JSON/,
        'rej_sig',
      );
    });

    it('over the size limit: 413; missing fields, unknown fields and a non-multipart body are 4xx too', async () => {
      const big = new Uint8Array(IMPORT_LIMIT + 10);
      await expectRejected(
        { model: { data: big, filename: 'big.onnx' }, signature: goodSignature, name: 'Big', model_id: 'rej_big' },
        413,
        'PAYLOAD_TOO_LARGE',
        /ONNX_IMPORT_MAX_BYTES/,
        'rej_big',
      );
      await expectRejected(
        { signature: goodSignature, name: 'No file', model_id: 'rej_nofile' },
        422,
        'VALIDATION_FAILED',
        /model is required/,
        'rej_nofile',
      );
      await expectRejected(
        {
          model: { data: linearOnnx([1, 2], 0), filename: 'x.onnx' },
          signature: goodSignature,
          name: 'Extra',
          model_id: 'rej_extra',
          weights: 'x',
        },
        422,
        'VALIDATION_FAILED',
        /unknown field 'weights'/,
        'rej_extra',
      );
      const json = await t.fetch('/api/v1/models/import', { method: 'POST', json: { name: 'x' } });
      expect(json.status).toBe(415);
    });

    it('a model id of another type is a 409, and the existing model is untouched', async () => {
      const signature = JSON.stringify({
        model_type: 'anomaly_detection',
        features: ['a', 'b'],
        window: 1,
        timeframe: '1d',
        threshold: 1,
      });
      const res = await upload({
        model: { data: linearOnnx([1, 2], 0), filename: 'x.onnx' },
        signature,
        name: 'Linear',
        model_id: 'linear_model',
      });
      expect(res.status).toBe(409);
      const model = await ok(t.fetch('/api/v1/models/linear_model'));
      expect(model.versions.map((v: { version: string }) => v.version)).toEqual(['1.0.0']);
      expect(fs.readdirSync(path.join(t.registryPath, 'linear_model')).filter((d) => !d.startsWith('.'))).toEqual([
        '1.0.0',
      ]);
    });
  });

  it('the import and download routes are in the OpenAPI document', async () => {
    const doc = await ok(t.fetch('/docs-json'));
    expect(Object.keys(doc.paths['/api/v1/models/import'].post.requestBody.content)).toEqual(['multipart/form-data']);
    expect(doc.paths['/api/v1/models/{model_id}/versions/{version}/model.onnx'].get.responses['200']).toBeDefined();
  });
});
