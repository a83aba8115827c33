/**
 * Training throughput per engine available on this machine, beside LibTorch in the same run.
 *
 *   node -r @swc-node/register bench/train.bench.ts [--samples 4096] [--cpu-samples 512] [--gpu-samples N]
 *     [--epochs 2] [--only lstm,gru,transformer] [--batch 32[,256]] [--backends cpu,wasm-stock,wasm,native,webgpu]
 *     [--no-inference]
 *   LIBTORCH_BENCH=/path/to/lstm_bench (built from ../shared/anchors/libtorch, see its README)
 *
 * Model: LSTM(64) / GRU(64) → Dropout(0.2) → Dense(1), or a transformer (d=64, 2 blocks,
 * 4 heads), on windows of 30 × 4 features, Adam (lr 1e-3), MSE, synthetic data — the
 * LibTorch reference's model. Each row: one warm-up epoch on a small slice (first-call
 * kernel setup, wasm compilation, WebGPU shader compilation), then `epochs` timed epochs;
 * the figures are samples trained per second of wall time (build time excluded), of the best
 * epoch and over all timed epochs. Rows run model by model, every engine in turn, and the
 * LibTorch row (one thread, the same model, batch and sample count) right after the native
 * one, so that a ratio compares runs seconds apart.
 *
 * Engines: cpu (plain JS), wasm-stock (the wasm backend as shipped), wasm (transpose-first
 * BatchMatMul: today's default without the addon), native (wasm + the fused-rnn addon:
 * NATIVE_ENGINE=auto), webgpu (Dawn; skipped with the reason when there is no adapter).
 * The plain-JS cpu backend is ~10× slower, so it trains on --cpu-samples.
 *
 * On a machine shared with other work the wall-clock figures of every engine drop with the
 * load (printed per row). Every row also reports samples per CPU-second — all threads of the
 * process (native: both of the addon's threads; LibTorch: from two runs that differ only in
 * their number of epochs) — which other work disturbs far less: the work each engine does per
 * sample, whatever the machine's load. The native row's `vs_wasm` / `vs_wasm_cpu` are its
 * ratios to the wasm row of the same model and batch in the same run (run wasm first).
 *
 * Last lines: one JSON object per row, {"model","engine","batch","samples_per_s",
 * "libtorch_samples_per_s", …}.
 */
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { buildNetwork, compileNetwork, type NetworkSpec } from '../src/ml/architectures';
import { TfBackendUnavailableError, adapterLabel, initTfBackend, type TfBackendSelection } from '../src/ml/backend';
import { predictBatch } from '../src/ml/predict';
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
const chosen = arg('backends', 'cpu,wasm-stock,wasm,native,webgpu').split(',');
const inference = !process.argv.includes('--no-inference');
const libtorch = process.env.LIBTORCH_BENCH;

const common = { window: WINDOW, numFeatures: FEATURES, outputUnits: 1, outputActivation: 'linear' } as const;
const models: Record<string, NetworkSpec> = {
  lstm: { ...common, architecture: 'lstm', units: 64, layers: 1, dropout: 0.2 },
  gru: { ...common, architecture: 'gru', units: 64, layers: 1, dropout: 0.2 },
  transformer: { ...common, architecture: 'transformer', units: 64, layers: 2, heads: 4, dropout: 0 },
};
const labels: Record<string, string> = { lstm: 'LSTM(64)', gru: 'GRU(64)', transformer: 'Transformer d64×2, 4 heads' };

/** webgpu: WEBGPU_DAWN_BACKEND when set, else Vulkan (GPUs) and then OpenGL ES (Mesa, software). */
async function initWebGpu(): Promise<TfBackendSelection> {
  const gpuAdapter = process.env.GPU_ADAPTER;
  const asked = process.env.WEBGPU_DAWN_BACKEND as 'vulkan' | 'opengles' | undefined;
  const reasons: string[] = [];
  for (const webgpuDawnBackend of asked ? [asked] : (['vulkan', 'opengles'] as const)) {
    try {
      return await initTfBackend('webgpu', { webgpuDawnBackend, gpuAdapter, nativeEngine: 'off' });
    } catch (err) {
      reasons.push(`${webgpuDawnBackend}: ${err instanceof TfBackendUnavailableError ? err.reason : String(err)}`);
    }
  }
  throw new Error(reasons.join('; '));
}

interface Engine {
  key: string;
  label: string;
  init: () => Promise<TfBackendSelection>;
}

const engines: Engine[] = [
  { key: 'cpu', label: 'cpu (plain JS)', init: () => initTfBackend('cpu', { nativeEngine: 'off' }) },
  {
    key: 'wasm-stock',
    label: 'wasm, stock BatchMatMul',
    init: () => initTfBackend('wasm', { patchWasmMatMul: false, nativeEngine: 'off' }),
  },
  {
    key: 'wasm',
    label: 'wasm, transpose-first BatchMatMul',
    init: () => initTfBackend('wasm', { nativeEngine: 'off' }),
  },
  // On a transformer: attention core, layer norm, every product, bias sums and Adam on the addon.
  { key: 'native', label: 'native fused-rnn on wasm', init: () => initTfBackend('wasm', { nativeEngine: 'on' }) },
  { key: 'webgpu', label: 'webgpu', init: initWebGpu },
];

function describe(info: TfBackendSelection): string {
  if (info.engine?.name === 'fused-rnn') return ` (${info.engine.kernels}, ${info.engine.threads} threads)`;
  if (info.name === 'wasm') return ` (SIMD ${info.simd ? 'on' : 'off'}, ${info.threads} thread)`;
  if (info.adapter) return ` (${adapterLabel(info.adapter)})`;
  return '';
}

/** CPU seconds of this process so far, every thread (the addon's second thread included). */
function processCpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

interface Rate {
  best: number;
  mean: number;
  /** Samples per CPU-second (all threads of the process) over the timed epochs. */
  cpu?: number;
}

async function measure(spec: NetworkSpec, n: number, batch: number): Promise<Rate> {
  return withSeed(1, async () => {
    const data = regressionData(n, WINDOW, FEATURES, 7);
    const x = tf.tensor(data.x.values, data.x.shape);
    const y = tf.tensor(data.y.values, data.y.shape);
    let model: tf.LayersModel | undefined;
    tf.tidy(() => {
      model = buildNetwork(spec);
    });
    compileNetwork(model!, { learningRate: 1e-3, loss: 'mse' });
    try {
      const warm = Math.min(n, 4 * batch);
      const xs = x.slice(0, warm);
      const ys = y.slice(0, warm);
      await fitNetwork(model!, { xTrain: xs, yTrain: ys, epochs: 1, batchSize: batch });
      tf.dispose([xs, ys]);
      // Time each epoch on its own: on a shared machine the best epoch is the figure least
      // disturbed by other processes; the mean is reported beside it.
      const ends: bigint[] = [];
      const cpu0 = processCpu();
      const t0 = process.hrtime.bigint();
      await fitNetwork(model!, {
        xTrain: x,
        yTrain: y,
        epochs,
        batchSize: batch,
        onEpoch: () => void ends.push(process.hrtime.bigint()),
      });
      const cpu1 = processCpu();
      const perEpoch = ends.map((t, i) => n / (Number(t - (i === 0 ? t0 : ends[i - 1])) / 1e9));
      const total = Number(ends[ends.length - 1] - t0) / 1e9;
      const cpu = cpu1 > cpu0 ? (n * epochs) / (cpu1 - cpu0) : undefined;
      return { best: Math.max(...perEpoch), mean: (n * epochs) / total, cpu };
    } finally {
      model!.optimizer?.dispose();
      model!.dispose();
      tf.dispose([x, y]);
    }
  });
}

/** Median latency of predictBatch for 1 and 64 windows (ms), after a warm-up, like LibTorch's eval-mode figures. */
async function inferenceLatency(spec: NetworkSpec): Promise<{ b1: number; b64: number }> {
  let model: tf.LayersModel | undefined;
  tf.tidy(() => {
    model = buildNetwork(spec);
  });
  try {
    const out: number[] = [];
    for (const b of [1, 64]) {
      const x = regressionData(b, WINDOW, FEATURES, 3).x.values;
      for (let i = 0; i < 20; i++) await predictBatch(model!, x, [b, WINDOW, FEATURES]);
      const ts: number[] = [];
      for (let i = 0; i < 200; i++) {
        const t = process.hrtime.bigint();
        await predictBatch(model!, x, [b, WINDOW, FEATURES]);
        ts.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
      ts.sort((a, c) => a - c);
      out.push(ts[ts.length >> 1]);
    }
    return { b1: out[0], b64: out[1] };
  } finally {
    model!.dispose();
  }
}

interface LibTorchRun {
  best: number;
  median: number;
  /** Samples per CPU-second, from a second run with one epoch only (the difference is the timed epochs). */
  cpu?: number;
  inferB1: number;
  inferB64: number;
}

/** Children's CPU seconds of `sh -c 'cmd; times'` (user + sys of the second line). */
function runWithCpu(args: string[]): { stdout: string; cpu: number } | undefined {
  const r = spawnSync('sh', ['-c', '"$0" "$@"; times', libtorch!, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) return undefined;
  const lines = r.stdout.trim().split('\n');
  const times = lines[lines.length - 1].match(/(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/);
  const cpu = times ? Number(times[1]) * 60 + Number(times[2]) + Number(times[3]) * 60 + Number(times[4]) : NaN;
  return { stdout: lines.find((l) => l.startsWith('{')) ?? '', cpu };
}

function runLibTorch(model: string, n: number, batch: number): LibTorchRun | string {
  // LibTorch's epoch 1 is its warm-up; epochs 2.. are timed (as ours after the warm-up epoch).
  const full = runWithCpu(['1', String(n), String(epochs + 1), model, String(batch)]);
  if (!full) return `${libtorch} failed`;
  const json = JSON.parse(full.stdout) as {
    epochMs: number[];
    medianEpochMs: number;
    infer_b1_ms: number;
    infer_b64_ms: number;
  };
  const timed = json.epochMs.slice(1);
  const short = runWithCpu(['1', String(n), '1', model, String(batch)]);
  const cpu =
    short && Number.isFinite(full.cpu - short.cpu) && full.cpu > short.cpu
      ? (n * epochs) / (full.cpu - short.cpu)
      : undefined;
  return {
    best: n / (Math.min(...timed) / 1000),
    median: n / (json.medianEpochMs / 1000),
    cpu,
    inferB1: json.infer_b1_ms,
    inferB64: json.infer_b64_ms,
  };
}

const fmt = (v: number | undefined, digits = 0): string =>
  v === undefined || !Number.isFinite(v)
    ? '–'
    : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  // The LSTM's orthogonal initialiser warns for matrices > 2000 elements; not a benchmark finding.
  const warn = console.warn;
  console.warn = (...a: unknown[]) => {
    if (!String(a[0]).includes('Orthogonal initializer') && !String(a[0]).includes('Hi, looks like')) warn(...a);
  };

  console.log(machineLine());
  console.log(
    `@tensorflow/tfjs ${tf.version.tfjs}; LibTorch: ${libtorch ? libtorch : 'not run (set LIBTORCH_BENCH to a built ../shared/anchors/libtorch binary)'}`,
  );
  console.log(
    `data: windows ${WINDOW}×${FEATURES}, batch ${batches.join(' and ')}, ${epochs} timed epochs of ${samples} samples (cpu: ${cpuSamples})\n`,
  );

  const rows: string[][] = [];
  const json: Record<string, unknown>[] = [];
  const latency: string[][] = [];
  const wasmRates = new Map<string, Rate>();
  for (const batch of batches) {
    for (const key of only) {
      const spec = models[key];
      if (!spec) throw new Error(`unknown model ${key}`);
      for (const engine of engines.filter((e) => chosen.includes(e.key))) {
        let info: TfBackendSelection;
        try {
          info = await engine.init();
        } catch (err) {
          console.log(`${engine.label}: skipped — ${err instanceof Error ? err.message : String(err)}`);
          continue;
        }
        const label = engine.label + describe(info);
        const softwareGpu = info.name === 'webgpu' && (info.adapter?.software || gpuSamples !== undefined);
        const n = Math.max(
          info.name === 'cpu' ? cpuSamples : softwareGpu ? (gpuSamples ?? cpuSamples) : samples,
          2 * batch,
        );
        const rate = await measure(spec, n, batch);
        const load = os.loadavg()[0];
        const row: Record<string, unknown> = {
          model: key,
          engine: engine.key,
          batch,
          samples_per_s: Math.round(rate.best),
          samples_per_s_mean: Math.round(rate.mean),
        };
        row.samples_per_cpu_s = rate.cpu === undefined ? null : Math.round(rate.cpu);
        if (engine.key === 'wasm') wasmRates.set(`${key}:${batch}`, rate);
        const wasmRate = engine.key === 'native' ? wasmRates.get(`${key}:${batch}`) : undefined;
        if (wasmRate) {
          row.vs_wasm = Number((rate.best / wasmRate.best).toFixed(2));
          row.vs_wasm_cpu = rate.cpu && wasmRate.cpu ? Number((rate.cpu / wasmRate.cpu).toFixed(2)) : null;
        }
        let torch: LibTorchRun | string | undefined;
        if (engine.key === 'native' && libtorch && key !== 'transformer') torch = runLibTorch(key, n, batch);
        const torchOk = typeof torch === 'object' ? torch : undefined;
        if (engine.key === 'native') {
          row.libtorch_samples_per_s = torchOk ? Math.round(torchOk.best) : null;
          row.libtorch_samples_per_cpu_s = torchOk?.cpu === undefined ? null : Math.round(torchOk.cpu);
          row.ratio = torchOk ? Number((rate.best / torchOk.best).toFixed(2)) : null;
          row.ratio_cpu = torchOk?.cpu && rate.cpu ? Number((rate.cpu / torchOk.cpu).toFixed(2)) : null;
        }
        row.load_average = Number(load.toFixed(2));
        json.push(row);
        rows.push([
          labels[key],
          label,
          String(batch),
          `${epochs} × ${n}`,
          fmt(rate.best),
          fmt(rate.mean),
          fmt(rate.cpu),
          torchOk ? fmt(torchOk.best) : '',
          torchOk ? fmt(torchOk.cpu) : '',
          torchOk ? `${fmt(rate.best / torchOk.best, 2)}×` : '',
          torchOk?.cpu && rate.cpu ? `${fmt(rate.cpu / torchOk.cpu, 2)}×` : '',
          wasmRate
            ? `${fmt(rate.best / wasmRate.best, 2)}× / ${wasmRate.cpu && rate.cpu ? fmt(rate.cpu / wasmRate.cpu, 2) : '–'}×`
            : '',
          load.toFixed(1),
        ]);
        const vs = torchOk
          ? `; LibTorch ${fmt(torchOk.best)} (${fmt(rate.best / torchOk.best, 2)}×)${torchOk.cpu && rate.cpu ? `, per CPU-second ${fmt(rate.cpu)} vs ${fmt(torchOk.cpu)} (${fmt(rate.cpu / torchOk.cpu, 2)}×)` : ''}`
          : typeof torch === 'string'
            ? `; LibTorch: ${torch}`
            : '';
        const vsWasm = wasmRate
          ? `; vs wasm ${fmt(rate.best / wasmRate.best, 2)}× (per CPU-second ${wasmRate.cpu && rate.cpu ? fmt(rate.cpu / wasmRate.cpu, 2) : '–'}×)`
          : '';
        console.log(
          `${labels[key].padEnd(28)} ${label.padEnd(50)} batch ${String(batch).padStart(4)}: best epoch ${fmt(rate.best).padStart(7)}, mean ${fmt(rate.mean).padStart(7)} samples/s, ${fmt(rate.cpu)} per CPU-second${vs}${vsWasm} (load ${load.toFixed(1)})`,
        );
        if (
          inference &&
          batch === batches[0] &&
          (engine.key === 'native' || engine.key === 'wasm') &&
          key !== 'transformer'
        ) {
          const lat = await inferenceLatency(spec);
          latency.push([
            labels[key],
            label,
            fmt(lat.b1, 3),
            fmt(lat.b64, 3),
            engine.key === 'native' && torchOk ? fmt(torchOk.inferB1, 3) : '',
            engine.key === 'native' && torchOk ? fmt(torchOk.inferB64, 3) : '',
          ]);
          json.push({
            model: key,
            engine: engine.key,
            inference_ms_1: Number(lat.b1.toFixed(3)),
            inference_ms_64: Number(lat.b64.toFixed(3)),
            ...(engine.key === 'native' && torchOk
              ? { libtorch_inference_ms_1: torchOk.inferB1, libtorch_inference_ms_64: torchOk.inferB64 }
              : {}),
          });
        }
      }
    }
  }

  console.log(
    `\nload average at the end: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (${os.cpus().length} cores)`,
  );
  console.log(
    '\n| model | engine | batch | epochs × samples | samples/s, best epoch | samples/s, mean | per CPU-second | LibTorch 1 thread, best epoch | LibTorch per CPU-second | ratio | ratio per CPU-second | vs wasm: best epoch / per CPU-second | load |',
  );
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  if (latency.length) {
    console.log(
      '\n| model | engine | predict 1 window, ms | predict 64 windows, ms | LibTorch 1 window | LibTorch 64 windows |\n| --- | --- | ---: | ---: | ---: | ---: |',
    );
    for (const r of latency) console.log(`| ${r.join(' | ')} |`);
  }
  console.log('');
  for (const j of json) console.log(JSON.stringify(j));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
