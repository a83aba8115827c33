import { probeWebGpu } from '../src/ml';
import { prepareRealDawnEnvironment } from '../src/ml/testing/real-env';
import { importDaily, waitForJob } from './support/jobs';
import { dailyCsv, randomWalk } from './support/series';
import { startTestApp } from './support/test-app';

/**
 * TF_BACKEND=webgpu end to end, on Mesa's software rasteriser (llvmpipe) through Dawn's
 * OpenGL ES backend (CI installs libegl1, libegl-mesa0, libgl1-mesa-dri — see .ci/run):
 * an LSTM and a transformer trained through the API give the cpu backend's metrics (same
 * data, same seed) within float tolerance, and the trained model predicts on the GPU.
 */
const base = {
  model_type: 'time_series',
  features: ['returns_1', 'returns_5', 'zscore_20'],
  target: 'price_change_1d',
  symbols: ['EUR/USD'],
  start_date: '2000-01-01T00:00:00Z',
  end_date: '2010-01-01T00:00:00Z',
  timeframe: '1d',
  window: 10,
  validation_split: 0.2,
  test_split: 0.2,
  seed: 13,
};
const MODELS = [
  {
    name: 'GPU lstm',
    architecture: 'lstm',
    hyperparameters: { units: 8, epochs: 2, batch_size: 64, dropout: 0.1, early_stopping_patience: 2 },
  },
  {
    name: 'GPU transformer',
    architecture: 'transformer',
    hyperparameters: { units: 8, heads: 2, epochs: 2, batch_size: 64 },
  },
];
const BARS = dailyCsv(randomWalk(500, 29));

interface Trained {
  job: any;
  version: any;
  losses: { loss: number[]; val_loss: number[] };
  prediction: number;
}

/** Start the app with `env`, train every model, predict once with each; then close it. */
async function trainAll(
  env: Record<string, string>,
): Promise<{ ready: any; trained: Record<string, Trained>; logs: string }> {
  const t = await startTestApp({ MAX_TRAINING_MEMORY: '8', ...env });
  try {
    await importDaily(t, 'EUR/USD', BARS);
    const ready = await (await t.fetch('/health/ready')).json();
    const trained: Record<string, Trained> = {};
    for (const m of MODELS) {
      const res = await t.fetch('/api/v1/models/train', { method: 'POST', json: { ...base, ...m } });
      const accepted = await res.json();
      if (res.status !== 202) throw new Error(`${res.status} ${JSON.stringify(accepted)}`);
      const job = await waitForJob(t, accepted.job_id);
      if (job.status !== 'succeeded') throw new Error(`${m.architecture} on ${env.TF_BACKEND}: ${JSON.stringify(job)}`);
      const version = await (await t.fetch(`/api/v1/models/${accepted.model_id}/versions/${accepted.version}`)).json();
      const run = await (await t.fetch(`/api/v1/runs/${job.run_id}`)).json();
      const points = (name: string) =>
        ((run.metric_history[name] ?? []) as Array<{ value: number }>).map((p) => p.value);
      const predicted = await t.fetch(`/api/v1/models/${accepted.model_id}/predict`, {
        method: 'POST',
        json: { symbol: 'EUR/USD', timeframe: '1d' },
      });
      const body = await predicted.json();
      if (predicted.status !== 200)
        throw new Error(`predict on ${env.TF_BACKEND}: ${predicted.status} ${JSON.stringify(body)}`);
      trained[m.architecture] = {
        job,
        version,
        losses: { loss: points('loss'), val_loss: points('val_loss') },
        prediction: body.prediction.value,
      };
    }
    return { ready, trained, logs: t.rawLogs.join('\n') };
  } finally {
    await t.close();
  }
}

/** Largest difference between the numeric metrics of two versions, relative to max(1, |cpu value|). */
function metricDifferences(
  cpu: Record<string, unknown>,
  gpu: Record<string, unknown>,
  prefix = '',
): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (const [k, v] of Object.entries(cpu)) {
    const w = gpu[k];
    if (typeof v === 'number' && typeof w === 'number')
      out.push([prefix + k, Math.abs(v - w) / Math.max(1, Math.abs(v))]);
    else if (v && typeof v === 'object' && !Array.isArray(v) && w && typeof w === 'object')
      out.push(...metricDifferences(v as Record<string, unknown>, w as Record<string, unknown>, `${prefix}${k}.`));
  }
  return out;
}

describe('TF_BACKEND=webgpu (Dawn on OpenGL ES, software adapter) through the API', () => {
  let skip: string | undefined;

  beforeAll(async () => {
    // Jest hands each file a copy of process.env; Dawn reads the real one.
    await prepareRealDawnEnvironment();
    const probe = await probeWebGpu({ dawnBackend: 'opengles' });
    if (!probe.adapter) {
      skip = probe.reason;
      console.warn(
        `WebGPU e2e skipped: no WebGPU adapter on Dawn's OpenGL ES backend (${skip}). CI installs libegl1 libegl-mesa0 libgl1-mesa-dri.`,
      );
    }
  });

  it('an LSTM and a transformer train on webgpu with the cpu backend’s metrics (same seed), report the adapter, and predict', async () => {
    if (skip) return;
    const cpu = await trainAll({ TF_BACKEND: 'cpu' });
    const gpu = await trainAll({ TF_BACKEND: 'webgpu', WEBGPU_DAWN_BACKEND: 'opengles' });

    expect(gpu.ready.details.ml_backend).toMatchObject({
      status: 'up',
      name: 'webgpu',
      requested: 'webgpu',
      adapter: {
        software: true,
        dawn_backend: 'opengles',
        feature_level: 'compatibility',
        device: expect.any(String),
        description: expect.any(String),
      },
    });
    expect(gpu.logs).toMatch(
      /TensorFlow\.js backend: webgpu \(TF_BACKEND=webgpu, adapter: .*Dawn opengles, software\)/,
    );

    for (const m of MODELS) {
      const a = cpu.trained[m.architecture];
      const b = gpu.trained[m.architecture];
      expect(a.job.backend).toBe('cpu');
      expect(b.job.backend).toBe('webgpu');
      expect(b.version.backend).toBe('webgpu');
      // The adapter is kept with the job and the version, not only logged.
      for (const row of [b.job, b.version])
        expect(row.backend_details).toMatchObject({
          name: 'webgpu',
          adapter: { software: true, dawn_backend: 'opengles' },
        });
      expect(a.version.backend_details).toMatchObject({ name: 'cpu' });
      expect(b.job.progress).toMatchObject({ epoch: 2, epochs: 2, phase: 'done' });
      // Same seed: the same losses, metrics and prediction up to float32 rounding.
      expect(b.losses.loss).toHaveLength(a.losses.loss.length);
      a.losses.loss.forEach((v, i) => expect(Math.abs(v - b.losses.loss[i])).toBeLessThan(1e-5));
      a.losses.val_loss.forEach((v, i) => expect(Math.abs(v - b.losses.val_loss[i])).toBeLessThan(1e-5));
      const diffs = metricDifferences(a.version.metrics, b.version.metrics);
      expect(diffs.length).toBeGreaterThan(5);
      const worst = diffs.reduce((x, y) => (y[1] > x[1] ? y : x));
      console.log(
        `webgpu vs cpu, ${m.architecture}: largest metric difference ${worst[1].toExponential(2)} (${worst[0]}); prediction ${b.prediction} vs ${a.prediction}`,
      );
      for (const [name, d] of diffs) expect({ name, d: d < 1e-3 }).toEqual({ name, d: true });
      expect(Math.abs(a.prediction - b.prediction)).toBeLessThan(1e-5 + 1e-3 * Math.abs(a.prediction));
    }
    expect(gpu.logs).not.toContain('OffscreenCanvas');
    expect(gpu.logs).not.toContain('tensor count changed');
  }, 180_000);
});
