/**
 * Dataset build benchmark: 100k synthetic hourly bars (FX weekends skipped) x 10 features,
 * W = 30, target log_return_1h, 70/15/15 split, z-score scaler.
 * Run: node -r @swc-node/register bench/dataset.bench.ts
 */
import { cpus, totalmem } from 'node:os';
import { buildDataset } from '../src/features/core/dataset/builder';
import { syntheticSeries } from '../src/features/core/testing/synthetic';

const BARS = 100_000;
const FEATURES = [
  'sma_20',
  'ema_50',
  'rsi_14',
  'macd_hist',
  'bb_width',
  'atr_14',
  'adx_14',
  'returns_1',
  'volatility_20',
  'hour_sin',
];
const WINDOW = 30;

const series = syntheticSeries({ bars: BARS, seed: 42, timeframe: '1h', skipWeekends: true });
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

function run() {
  const before = process.memoryUsage();
  const t0 = process.hrtime.bigint();
  const ds = buildDataset({
    series: [series],
    features: FEATURES,
    target: 'log_return_1h',
    window: WINDOW,
    validationSplit: 0.15,
    testSplit: 0.15,
    scaler: 'zscore',
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const after = process.memoryUsage();
  return { ds, seconds, before, after };
}

run(); // warm-up (JIT), not reported
if (global.gc) global.gc();
const { ds, seconds, before, after } = run();
const samples = ds.train.count + ds.validation.count + ds.test.count;
const windowBytes = ds.train.windows.byteLength + ds.validation.windows.byteLength + ds.test.windows.byteLength;
console.log(
  `machine: ${cpus()[0]?.model ?? 'unknown CPU'} x ${cpus().length} cores, ${mb(totalmem())} MiB RAM, Node ${process.version}`,
);
console.log(`input: ${BARS} bars x ${FEATURES.length} features, W=${WINDOW}, H=${ds.target.horizonBars}`);
console.log(
  `samples: ${samples} (train ${ds.train.count}, validation ${ds.validation.count}, test ${ds.test.count}, purged ${ds.stats.purged})`,
);
console.log(`wall time: ${seconds.toFixed(2)} s, ${(samples / seconds).toFixed(0)} samples/s`);
console.log(
  `window tensors: ${mb(windowBytes)} MiB; heap used ${mb(after.heapUsed)} MiB, rss ${mb(after.rss)} MiB, array buffers ${mb(after.arrayBuffers)} MiB (delta rss ${mb(after.rss - before.rss)} MiB), peak rss ${mb(process.resourceUsage().maxRSS * 1024)} MiB`,
);
console.log(`fingerprint: ${ds.fingerprint}`);
