/**
 * Training throughput per TensorFlow.js backend available on this machine.
 *
 *   node -r @swc-node/register bench/train.bench.ts [--samples 4096] [--cpu-samples 512] [--epochs 2] [--only lstm,gru,transformer]
 *
 * Model: LSTM(64) / GRU(64) / transformer (d=64, 2 blocks, 4 heads) on windows of 30 × 4
 * features, batch 32, Adam, MSE, synthetic data. Each row: one warm-up epoch on a small
 * slice (first-call kernel setup, wasm compilation), then `epochs` timed epochs; the
 * figures are samples trained per second of wall time (build time excluded): of the best
 * epoch and over all timed epochs. Other processes on a shared machine lower both.
 * The plain-JS cpu backend is ~10× slower, so it trains on fewer samples (--cpu-samples).
 */
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { buildNetwork, compileNetwork, type NetworkSpec } from '../src/ml/architectures';
import { initTfBackend, type TfBackendSelection } from '../src/ml/backend';
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
const epochs = Number(arg('epochs', '2'));
const only = arg('only', 'lstm,gru,transformer').split(',');

const common = { window: WINDOW, numFeatures: FEATURES, dropout: 0, outputUnits: 1, outputActivation: 'linear' } as const;
const models: Record<string, NetworkSpec> = {
  lstm: { ...common, architecture: 'lstm', units: 64, layers: 1 },
  gru: { ...common, architecture: 'gru', units: 64, layers: 1 },
  transformer: { ...common, architecture: 'transformer', units: 64, layers: 2, heads: 4 },
};
const labels: Record<string, string> = { lstm: 'LSTM(64)', gru: 'GRU(64)', transformer: 'Transformer d64×2, 4 heads' };

const backends: { label: string; init: () => Promise<TfBackendSelection> }[] = [
  { label: 'cpu (plain JS)', init: () => initTfBackend('cpu') },
  { label: 'wasm, stock BatchMatMul', init: () => initTfBackend('wasm', { patchWasmMatMul: false }) },
  { label: 'wasm, transpose-first BatchMatMul', init: () => initTfBackend('wasm') },
];

async function measure(spec: NetworkSpec, n: number): Promise<{ best: number; mean: number }> {
  return withSeed(1, async () => {
    const data = regressionData(n, WINDOW, FEATURES, 7);
    const x = tf.tensor(data.x.values, data.x.shape);
    const y = tf.tensor(data.y.values, data.y.shape);
    const model = compileNetwork(buildNetwork(spec), { learningRate: 1e-3, loss: 'mse' });
    try {
      const warm = Math.min(n, 4 * BATCH);
      const xs = x.slice(0, warm);
      const ys = y.slice(0, warm);
      await fitNetwork(model, { xTrain: xs, yTrain: ys, epochs: 1, batchSize: BATCH });
      tf.dispose([xs, ys]);
      // Time each epoch on its own: on a shared machine the best epoch is the figure least
      // disturbed by other processes; the mean is reported beside it.
      const ends: bigint[] = [];
      const t0 = process.hrtime.bigint();
      await fitNetwork(model, { xTrain: x, yTrain: y, epochs, batchSize: BATCH, onEpoch: () => void ends.push(process.hrtime.bigint()) });
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
  console.log(`data: windows ${WINDOW}×${FEATURES}, batch ${BATCH}, ${epochs} timed epochs of ${samples} samples (cpu: ${cpuSamples})\n`);

  const rows: string[][] = [];
  for (const backend of backends) {
    const info = await backend.init();
    const detail = info.name === 'wasm' ? ` (SIMD ${info.simd ? 'on' : 'off'}, ${info.threads} thread)` : '';
    for (const key of only) {
      const spec = models[key];
      if (!spec) throw new Error(`unknown model ${key}`);
      const n = info.name === 'cpu' ? cpuSamples : samples;
      const rate = await measure(spec, n);
      rows.push([labels[key], backend.label + detail, `${epochs} × ${n}`, rate.best.toFixed(0), rate.mean.toFixed(0)]);
      console.log(`${labels[key].padEnd(28)} ${(backend.label + detail).padEnd(58)} best epoch ${rate.best.toFixed(0).padStart(5)}, mean ${rate.mean.toFixed(0).padStart(5)} samples/s`);
    }
  }

  console.log(`\nload average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (${os.cpus().length} cores)`);
  console.log('\n| model | backend | epochs × samples | samples/s, best epoch | samples/s, mean |\n| --- | --- | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
