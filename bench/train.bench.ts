/**
 * Training throughput per TensorFlow.js backend available on this machine.
 *
 *   node -r @swc-node/register bench/train.bench.ts [--samples 4096] [--cpu-samples 512] [--gpu-samples N]
 *     [--epochs 2] [--only lstm,gru,transformer] [--batch 32[,1024]] [--backends cpu,wasm-stock,wasm,webgpu]
 *
 * Model: LSTM(64) / GRU(64) / transformer (d=64, 2 blocks, 4 heads) on windows of 30 × 4
 * features, batch 32 (or each of --batch), Adam, MSE, synthetic data. Each row: one warm-up
 * epoch on a small slice (first-call kernel setup, wasm compilation, WebGPU shader
 * compilation), then `epochs` timed epochs; the figures are samples trained per second of
 * wall time (build time excluded): of the best epoch and over all timed epochs. Other
 * processes on a shared machine lower both. The plain-JS cpu backend is ~10× slower, so it
 * trains on fewer samples (--cpu-samples; at least two batches).
 *
 * webgpu: Dawn's backend from WEBGPU_DAWN_BACKEND (default: vulkan, then opengles), adapter
 * from GPU_ADAPTER; skipped with the reason when there is no adapter. On a software adapter
 * (Mesa llvmpipe) it trains on --gpu-samples (default --cpu-samples), on a GPU on --samples.
 */
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { buildNetwork, compileNetwork, type NetworkSpec } from '../src/ml/architectures';
import { TfBackendUnavailableError, adapterLabel, initTfBackend, type TfBackendSelection } from '../src/ml/backend';
import { withSeed } from '../src/ml/random';
import { regressionData } from '../src/ml/testing/synthetic-data';
import { fitNetwork } from '../src/ml/training';
import { machineLine } from './machine';

const WINDOW = 30;
const FEATURES = 4;
const BATCH = 32;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const samples = Number(arg('samples', '4096'));
const cpuSamples = Number(arg('cpu-samples', '512'));
const gpuSamples = process.argv.includes('--gpu-samples') ? Number(arg('gpu-samples', '0')) : undefined;
const epochs = Number(arg('epochs', '2'));
const only = arg('only', 'lstm,gru,transformer').split(',');
const batches = arg('batch', String(BATCH)).split(',').map(Number);
const chosen = arg('backends', 'cpu,wasm-stock,wasm,webgpu').split(',');

const common = { window: WINDOW, numFeatures: FEATURES, dropout: 0, outputUnits: 1, outputActivation: 'linear' } as const;
const models: Record<string, NetworkSpec> = {
  lstm: { ...common, architecture: 'lstm', units: 64, layers: 1 },
  gru: { ...common, architecture: 'gru', units: 64, layers: 1 },
  transformer: { ...common, architecture: 'transformer', units: 64, layers: 2, heads: 4 },
};
const labels: Record<string, string> = { lstm: 'LSTM(64)', gru: 'GRU(64)', transformer: 'Transformer d64×2, 4 heads' };

/** webgpu: WEBGPU_DAWN_BACKEND when set, else Vulkan (GPUs) and then OpenGL ES (Mesa, software). */
async function initWebGpu(): Promise<TfBackendSelection> {
  const gpuAdapter = process.env.GPU_ADAPTER;
  const asked = process.env.WEBGPU_DAWN_BACKEND as 'vulkan' | 'opengles' | undefined;
  const reasons: string[] = [];
  for (const webgpuDawnBackend of asked ? [asked] : (['vulkan', 'opengles'] as const)) {
    try {
      return await initTfBackend('webgpu', { webgpuDawnBackend, gpuAdapter });
    } catch (err) {
      reasons.push(`${webgpuDawnBackend}: ${err instanceof TfBackendUnavailableError ? err.reason : String(err)}`);
    }
  }
  throw new Error(reasons.join('; '));
}

const backends: { key: string; label: string; init: () => Promise<TfBackendSelection> }[] = [
  { key: 'cpu', label: 'cpu (plain JS)', init: () => initTfBackend('cpu') },
  { key: 'wasm-stock', label: 'wasm, stock BatchMatMul', init: () => initTfBackend('wasm', { patchWasmMatMul: false }) },
  { key: 'wasm', label: 'wasm, transpose-first BatchMatMul', init: () => initTfBackend('wasm') },
  { key: 'webgpu', label: 'webgpu', init: initWebGpu },
];

function describeBackend(info: TfBackendSelection): string {
  if (info.name === 'wasm') return ` (SIMD ${info.simd ? 'on' : 'off'}, ${info.threads} thread)`;
  if (info.adapter) return ` (${adapterLabel(info.adapter)})`;
  return '';
}

async function measure(spec: NetworkSpec, n: number, batch: number): Promise<{ best: number; mean: number }> {
  return withSeed(1, async () => {
    const data = regressionData(n, WINDOW, FEATURES, 7);
    const x = tf.tensor(data.x.values, data.x.shape);
    const y = tf.tensor(data.y.values, data.y.shape);
    const model = compileNetwork(buildNetwork(spec), { learningRate: 1e-3, loss: 'mse' });
    try {
      const warm = Math.min(n, 4 * batch);
      const xs = x.slice(0, warm);
      const ys = y.slice(0, warm);
      await fitNetwork(model, { xTrain: xs, yTrain: ys, epochs: 1, batchSize: batch });
      tf.dispose([xs, ys]);
      // Time each epoch on its own: on a shared machine the best epoch is the figure least
      // disturbed by other processes; the mean is reported beside it.
      const ends: bigint[] = [];
      const t0 = process.hrtime.bigint();
      await fitNetwork(model, { xTrain: x, yTrain: y, epochs, batchSize: batch, onEpoch: () => void ends.push(process.hrtime.bigint()) });
      const perEpoch = ends.map((t, i) => n / (Number(t - (i === 0 ? t0 : ends[i - 1])) / 1e9));
      const total = Number(ends[ends.length - 1] - t0) / 1e9;
      return { best: Math.max(...perEpoch), mean: (n * epochs) / total };
    } finally {
      model.dispose();
      tf.dispose([x, y]);
    }
  });
}

async function main(): Promise<void> {
  // The LSTM's orthogonal initialiser warns for matrices > 2000 elements; not a benchmark finding.
  const warn = console.warn;
  console.warn = (...a: unknown[]) => {
    if (!String(a[0]).includes('Orthogonal initializer') && !String(a[0]).includes('Hi, looks like')) warn(...a);
  };

  console.log(machineLine());
  console.log(`@tensorflow/tfjs ${tf.version.tfjs}`);
  console.log(`data: windows ${WINDOW}×${FEATURES}, batch ${batches.join(' and ')}, ${epochs} timed epochs of ${samples} samples (cpu: ${cpuSamples})\n`);

  const rows: string[][] = [];
  for (const backend of backends.filter((b) => chosen.includes(b.key))) {
    let info: TfBackendSelection;
    try {
      info = await backend.init();
    } catch (err) {
      console.log(`${backend.label}: skipped — ${err instanceof Error ? err.message : String(err)}\n`);
      continue;
    }
    const detail = describeBackend(info);
    for (const batch of batches) {
      for (const key of only) {
        const spec = models[key];
        if (!spec) throw new Error(`unknown model ${key}`);
        const softwareGpu = info.name === 'webgpu' && (info.adapter?.software || gpuSamples !== undefined);
        const n = Math.max(info.name === 'cpu' ? cpuSamples : softwareGpu ? (gpuSamples ?? cpuSamples) : samples, 2 * batch);
        const rate = await measure(spec, n, batch);
        rows.push([labels[key], backend.label + detail, String(batch), `${epochs} × ${n}`, rate.best.toFixed(0), rate.mean.toFixed(0)]);
        console.log(`${labels[key].padEnd(28)} ${(backend.label + detail).padEnd(58)} batch ${String(batch).padStart(5)}: best epoch ${rate.best.toFixed(0).padStart(6)}, mean ${rate.mean.toFixed(0).padStart(6)} samples/s`);
      }
    }
  }

  console.log(`\nload average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (${os.cpus().length} cores)`);
  console.log('\n| model | backend | batch | epochs × samples | samples/s, best epoch | samples/s, mean |\n| --- | --- | ---: | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
