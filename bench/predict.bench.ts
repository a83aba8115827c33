/**
 * Prediction serving under load, through HTTP, against the real service on a fresh embedded
 * database: an LSTM(64), window 30 × 4 features, trained for one epoch through the API on
 * synthetic daily bars; then autocannon (64 connections, 20 s, in a child process so it does
 * not share the server's event loop) against GET /health — the floor of this HTTP stack on
 * this machine — and against POST /api/v1/models/{id}/predict, in the same run.
 *
 *   node -r @swc-node/register bench/predict.bench.ts        (DURATION=20 CONNECTIONS=64)
 *
 * Prints the machine, req/s, p50/p99 latency, errors, micro-batch sizes, and RSS / tensor
 * count before and after the predict load.
 */
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createApp } from '../src/app.factory';
import { createRootLogger } from '../src/common/logging/logger';
import { AppConfig } from '../src/config/app-config';
import { getTf } from '../src/ml';
import { PredictionService } from '../src/prediction/prediction.service';
import { dailyCsv } from './daily-csv';
import { machineLine } from './machine';

const DURATION = Number(process.env.DURATION ?? 20);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 64);
const FEATURES = ['returns_1', 'sma_20', 'rsi_14', 'zscore_20'];
const WINDOW = 30;
const BARS = 3000;

interface LoadSpec {
  url: string;
  method: 'GET' | 'POST';
  body?: string;
  duration: number;
  connections: number;
}
interface LoadResult {
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  total: number;
  errors: number;
  non2xx: number;
  timeouts: number;
}

/** Child mode: run autocannon and send the summary back. */
async function runLoad(spec: LoadSpec): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const autocannon = require('autocannon');
  const result = await autocannon({
    url: spec.url,
    method: spec.method,
    body: spec.body,
    headers: spec.body ? { 'content-type': 'application/json' } : undefined,
    connections: spec.connections,
    duration: spec.duration,
  });
  const summary: LoadResult = {
    rps: result.requests.average,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    total: result.requests.total,
    errors: result.errors,
    non2xx: result.non2xx,
    timeouts: result.timeouts,
  };
  process.send!(summary);
}

function load(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--load', JSON.stringify(spec)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (m) => resolve(m as LoadResult));
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && reject(new Error(`load generator exited with ${code}`)));
  });
}


const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const line = (name: string, r: LoadResult) =>
  `${name.padEnd(8)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${String(r.p50).padStart(3)} ms   p90 ${String(r.p90).padStart(3)} ms   p99 ${String(r.p99).padStart(3)} ms   max ${String(r.max).padStart(4)} ms   ${r.total} requests, ${r.errors} errors, ${r.non2xx} non-2xx, ${r.timeouts} timeouts`;

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlwb-bench-predict-'));
  const app = await createApp(AppConfig.fromEnv({ MODEL_REGISTRY_PATH: dir, LOG_LEVEL: 'ERROR', DEMO_DATA: 'false', TF_BACKEND: process.env.TF_BACKEND ?? 'auto' }), {
    logger: createRootLogger('ERROR')
  });
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    const call = async (p: string, init: RequestInit & { json?: unknown } = {}) => {
      const res = await fetch(url + p, { ...init, headers: init.json !== undefined ? { 'content-type': 'application/json' } : init.headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
      const body = await res.json();
      if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${p}: ${res.status} ${JSON.stringify(body)}`);
      return body as any;
    };

    await call('/api/v1/market-data/import?symbol=EUR/USD&timeframe=1d', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: dailyCsv(BARS, 42) });
    const trainStarted = performance.now();
    const accepted = await call('/api/v1/models/train', {
      method: 'POST',
      json: {
        name: 'Bench LSTM',
        model_type: 'time_series',
        architecture: 'lstm',
        features: FEATURES,
        target: 'price_change_1d',
        symbols: ['EUR/USD'],
        timeframe: '1d',
        window: WINDOW,
        start_date: '2000-01-01T00:00:00Z',
        end_date: '2030-01-01T00:00:00Z',
        validation_split: 0.15,
        test_split: 0.15,
        seed: 1,
        hyperparameters: { units: 64, epochs: 1, batch_size: 64 },
      },
    });
    let job: any;
    for (;;) {
      job = await call(`/api/v1/training/jobs/${accepted.job_id}`);
      if (['succeeded', 'failed', 'cancelled'].includes(job.status)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    if (job.status !== 'succeeded') throw new Error(`training ${job.status}: ${job.error}`);
    const trainSeconds = (performance.now() - trainStarted) / 1000;

    const values = await call(`/api/v1/features/values?symbol=EUR/USD&timeframe=1d&features=${FEATURES.join(',')}&start=${new Date(Date.parse('2000-01-03T00:00:00Z') + (BARS - WINDOW) * 86_400_000).toISOString()}`);
    const features = Object.fromEntries(FEATURES.map((f) => [f, values.rows.map((r: { values: Record<string, number> }) => r.values[f])]));
    const body = JSON.stringify({ symbol: 'EUR/USD', timeframe: '1d', features });
    const predictUrl = `${url}/api/v1/models/${accepted.model_id}/predict`;
    const first = await call(`/api/v1/models/${accepted.model_id}/predict`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

    const service = app.get(PredictionService);
    const tf = getTf();
    console.log(machineLine());
    console.log(`backend: ${tf.getBackend()}; model: LSTM(64), window ${WINDOW} × ${FEATURES.length} features (${FEATURES.join(', ')}), trained 1 epoch on ${BARS} daily bars in ${trainSeconds.toFixed(1)} s; request body ${body.length} bytes`);
    console.log(`load: autocannon, ${CONNECTIONS} connections, ${DURATION} s per target, in a child process; first prediction ${JSON.stringify(first.prediction)} in ${first.latency_ms} ms`);

    // Warm-up (JIT, caches) for both routes.
    await load({ url: `${url}/health`, method: 'GET', duration: 2, connections: CONNECTIONS });
    await load({ url: predictUrl, method: 'POST', body, duration: 2, connections: CONNECTIONS });

    const health = await load({ url: `${url}/health`, method: 'GET', duration: DURATION, connections: CONNECTIONS });
    const rssBefore = process.memoryUsage().rss;
    const tensorsBefore = tf.memory().numTensors;
    const batchesBefore = service.stats().batches;
    const predict = await load({ url: predictUrl, method: 'POST', body, duration: DURATION, connections: CONNECTIONS });
    const batchesAfter = service.stats().batches;
    const rssAfter = process.memoryUsage().rss;
    const tensorsAfter = tf.memory().numTensors;
    // A second predict run: does RSS keep growing?
    const predict2 = await load({ url: predictUrl, method: 'POST', body, duration: DURATION, connections: CONNECTIONS });
    const rssAfter2 = process.memoryUsage().rss;
    const tensorsAfter2 = tf.memory().numTensors;

    console.log(line('/health', health));
    console.log(line('predict', predict));
    console.log(line('predict2', predict2));
    const passes = batchesAfter.batches - batchesBefore.batches;
    const windows = batchesAfter.windows - batchesBefore.windows;
    console.log(`predict / health throughput: ${((predict.rps / health.rps) * 100).toFixed(0)} % (target ≥ 25 %); p99 ${predict.p99} ms (target < 50 ms)`);
    console.log(`micro-batching: ${windows} windows in ${passes} forward passes (mean ${(windows / Math.max(passes, 1)).toFixed(1)} per pass, largest ${batchesAfter.max_batch}, ${batchesAfter.coalesced - batchesBefore.coalesced} passes with > 1)`);
    console.log(`RSS ${mib(rssBefore)} → ${mib(rssAfter)} → ${mib(rssAfter2)} (after each ${DURATION} s predict run); tensors ${tensorsBefore} → ${tensorsAfter} → ${tensorsAfter2}`);
  } finally {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--load') {
  runLoad(JSON.parse(process.argv[3]) as LoadSpec).catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
