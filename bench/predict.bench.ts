/**
 * Prediction serving under load, through HTTP, against the real service on a fresh embedded
 * database: an LSTM(64), window 30 × 4 features, trained for one epoch through the API on
 * synthetic daily bars; then autocannon (64 connections, 20 s, in a child process so it does
 * not share the server's event loop) against GET /health — the floor of this HTTP stack on
 * this machine — and against POST /api/v1/models/{id}/predict, in the same run.
 *
 *   node -r @swc-node/register bench/predict.bench.ts        (DURATION=20 CONNECTIONS=64)
 *   … predict.bench.ts --shadow  (or SHADOW=1): predict through a target with a shadow
 *     challenger against one without, instead of /health against predict (predict-shadow.ts)
 *
 * The rate limit is off (RATE_LIMIT_PER_MINUTE=0): a bench measures serving, not the limiter.
 * Any response that is not 2xx (or a socket error / timeout) fails the bench (exit 1): errors
 * are never counted as throughput.
 *
 * Rounds (ROUNDS=2) interleave /health and predict so the ratio compares like with like on a
 * shared machine; then one client sends sequential requests (SEQUENTIAL=2000 per route) on a
 * keep-alive connection, timed end to end. Prints the machine and its load average, req/s,
 * p50/p99 latency, errors, micro-batch sizes, the engine that answered, RSS / tensor count after
 * each predict run, and last a JSON line
 * {"health_rps","health_p99_ms","predict_rps","predict_p99_ms","non_2xx",…}.
 */
import { fork } from 'node:child_process';
import * as http from 'node:http';
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
import { shadowBench } from './predict-shadow';
import { BENCH_FEATURES, BENCH_WINDOW, lstmTrainRequest } from './lstm-train-request';

const DURATION = Number(process.env.DURATION ?? 20);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 64);
const FEATURES = BENCH_FEATURES;
const WINDOW = BENCH_WINDOW;
const BARS = 3000;
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const SEQUENTIAL = Number(process.env.SEQUENTIAL ?? 2000);
const SHADOW = process.argv.includes('--shadow') || process.env.SHADOW === '1';

export interface LoadSpec {
  mode?: 'autocannon' | 'sequential';
  /** sequential mode: how many requests, one after another. */
  requests?: number;
  url: string;
  method: 'GET' | 'POST';
  body?: string;
  duration: number;
  connections: number;
}
export interface LoadResult {
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

/** Child mode: run autocannon (or the sequential client) and send the summary back. */
async function runLoad(spec: LoadSpec): Promise<void> {
  if (spec.mode === 'sequential') {
    process.send!(await sequential(spec));
    return;
  }
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

/**
 * One client, one keep-alive connection, one request at a time: the latency a strategy engine
 * sees when it asks for one prediction per bar. Timed with the high-resolution clock (autocannon
 * reports whole milliseconds).
 */
async function sequential(spec: LoadSpec): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const target = new URL(spec.url);
  const once = () =>
    new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: spec.method,
          agent,
          headers: spec.body
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(spec.body) }
            : {},
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(spec.body);
    });
  const n = spec.requests ?? 1000;
  const times: number[] = [];
  let non2xx = 0;
  let errors = 0;
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    try {
      const status = await once();
      if (status < 200 || status >= 300) non2xx++;
    } catch {
      errors++;
    }
    times.push(performance.now() - t0);
  }
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  times.sort((a, b) => a - b);
  const q = (p: number) => Math.round(times[Math.min(times.length - 1, Math.floor(p * times.length))] * 1000) / 1000;
  return { rps: n / seconds, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: q(1), total: n, errors, non2xx, timeouts: 0 };
}

function load(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--load', JSON.stringify(spec)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
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
  const env: Record<string, string> = {
    MODEL_REGISTRY_PATH: dir,
    LOG_LEVEL: 'ERROR',
    DEMO_DATA: 'false',
    RATE_LIMIT_PER_MINUTE: '0',
    TF_BACKEND: process.env.TF_BACKEND ?? 'auto',
  };
  for (const k of [
    'PREDICTION_ENGINE',
    'PREDICTION_THREADS',
    'PREDICTION_BATCH_MAX_WAIT_MS',
    'PREDICTION_BATCH_MAX_SIZE',
  ])
    if (process.env[k]) env[k] = process.env[k]!;
  const app = await createApp(AppConfig.fromEnv(env), {
    logger: createRootLogger('ERROR'),
  });
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    const call = async (p: string, init: RequestInit & { json?: unknown } = {}) => {
      const res = await fetch(url + p, {
        ...init,
        headers: init.json !== undefined ? { 'content-type': 'application/json' } : init.headers,
        body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
      });
      const body = await res.json();
      if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${p}: ${res.status} ${JSON.stringify(body)}`);
      return body as any;
    };

    await call('/api/v1/market-data/import?symbol=EUR/USD&timeframe=1d', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: dailyCsv(BARS, 42),
    });
    // One training job; `modelId` makes the model's next version (the shadow bench's challenger).
    const train = async (seed: number, modelId?: string) => {
      const accepted = await call('/api/v1/models/train', {
        method: 'POST',
        json: lstmTrainRequest({ name: 'Bench LSTM', epochs: 1, batchSize: 64, seed, modelId }),
      });
      let job: any;
      for (;;) {
        job = await call(`/api/v1/training/jobs/${accepted.job_id}`);
        if (['succeeded', 'failed', 'cancelled'].includes(job.status)) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      if (job.status !== 'succeeded') throw new Error(`training ${job.status}: ${job.error}`);
      return accepted as { model_id: string; version: string };
    };
    const trainStarted = performance.now();
    const accepted = await train(1);
    const trainSeconds = (performance.now() - trainStarted) / 1000;

    const values = await call(
      `/api/v1/features/values?symbol=EUR/USD&timeframe=1d&features=${FEATURES.join(',')}&start=${new Date(Date.parse('2000-01-03T00:00:00Z') + (BARS - WINDOW) * 86_400_000).toISOString()}`,
    );
    const features = Object.fromEntries(
      FEATURES.map((f) => [f, values.rows.map((r: { values: Record<string, number> }) => r.values[f])]),
    );
    const body = JSON.stringify({ symbol: 'EUR/USD', timeframe: '1d', features });
    const predictUrl = `${url}/api/v1/models/${accepted.model_id}/predict`;
    const first = await call(`/api/v1/models/${accepted.model_id}/predict`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });

    const service = app.get(PredictionService);
    const tf = getTf();
    const engine = await fetch(predictUrl, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    }).then((r) => r.headers.get('x-prediction-engine') ?? first.engine ?? 'tfjs');
    const serving = (await call(`/api/v1/models/${accepted.model_id}/versions/${accepted.version}`)).serving;
    console.log(machineLine());
    console.log(
      `load average at start: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} (1/5/15 min)`,
    );
    console.log(
      `backend: ${tf.getBackend()}; engine: ${engine}; model: LSTM(64), window ${WINDOW} × ${FEATURES.length} features (${FEATURES.join(', ')}), trained 1 epoch on ${BARS} daily bars in ${trainSeconds.toFixed(1)} s; request body ${body.length} bytes`,
    );
    console.log(
      `engine selection at load: ${JSON.stringify(serving)}; ONNX Runtime worker threads: ${app.get(AppConfig).predictionThreads}`,
    );
    if (SHADOW) {
      const challenger = await train(2, accepted.model_id);
      await shadowBench({
        url,
        call,
        modelId: accepted.model_id,
        active: accepted.version,
        challenger: challenger.version,
        features,
        service,
        engine,
        load,
        line,
        duration: DURATION,
        connections: CONNECTIONS,
        rounds: ROUNDS,
        sequential: SEQUENTIAL,
      });
      return;
    }
    console.log(
      `load: autocannon, ${CONNECTIONS} connections, ${DURATION} s per target, ${ROUNDS} interleaved rounds, in a child process; rate limit off; first prediction ${JSON.stringify(first.prediction)} in ${first.latency_ms} ms`,
    );

    // Warm-up (JIT, caches) for both routes.
    await load({ url: `${url}/health`, method: 'GET', duration: 2, connections: CONNECTIONS });
    await load({ url: predictUrl, method: 'POST', body, duration: 2, connections: CONNECTIONS });

    const healths: LoadResult[] = [];
    const predicts: LoadResult[] = [];
    const rss: number[] = [process.memoryUsage().rss];
    const tensors: number[] = [tf.memory().numTensors];
    const batchesBefore = service.stats().batches;
    for (let r = 0; r < ROUNDS; r++) {
      healths.push(await load({ url: `${url}/health`, method: 'GET', duration: DURATION, connections: CONNECTIONS }));
      predicts.push(
        await load({ url: predictUrl, method: 'POST', body, duration: DURATION, connections: CONNECTIONS }),
      );
      rss.push(process.memoryUsage().rss);
      tensors.push(tf.memory().numTensors);
    }
    const batchesAfter = service.stats().batches;
    const seqHealth = await load({
      mode: 'sequential',
      requests: SEQUENTIAL,
      url: `${url}/health`,
      method: 'GET',
      duration: 0,
      connections: 1,
    });
    const seqPredict = await load({
      mode: 'sequential',
      requests: SEQUENTIAL,
      url: predictUrl,
      method: 'POST',
      body,
      duration: 0,
      connections: 1,
    });

    healths.forEach((h, i) => console.log(line(`/health${i + 1}`, h)));
    predicts.forEach((p, i) => console.log(line(`predict${i + 1}`, p)));
    console.log(line('seq /hlt', seqHealth));
    console.log(line('seq pred', seqPredict));
    const mean = (rs: LoadResult[], k: 'rps' | 'p99') => rs.reduce((a, r) => a + r[k], 0) / rs.length;
    const healthRps = mean(healths, 'rps');
    const predictRps = mean(predicts, 'rps');
    const healthP99 = mean(healths, 'p99');
    const predictP99 = mean(predicts, 'p99');
    const passes = batchesAfter.batches - batchesBefore.batches;
    const windows = batchesAfter.windows - batchesBefore.windows;
    const all = [...healths, ...predicts, seqHealth, seqPredict];
    const non2xx = all.reduce((a, r) => a + r.non2xx, 0);
    const errors = all.reduce((a, r) => a + r.errors + r.timeouts, 0);
    // RSS after warm-up: each predict run against the first one.
    const rssDrift = rss.length > 2 ? Math.max(...rss.slice(1).map((v) => Math.abs(v / rss[1] - 1))) : 0;
    console.log(
      `predict / health throughput: ${((predictRps / healthRps) * 100).toFixed(0)} % (target ≥ 80 %); p99 ${predictP99.toFixed(1)} ms vs /health ${healthP99.toFixed(1)} ms = ${(predictP99 / healthP99).toFixed(2)}× (target ≤ 1.5×)`,
    );
    console.log(
      `one sequential client: predict p50 ${seqPredict.p50} ms, p99 ${seqPredict.p99} ms (targets ≤ 2 ms, ≤ 5 ms); /health p50 ${seqHealth.p50} ms, p99 ${seqHealth.p99} ms`,
    );
    console.log(
      `micro-batching: ${windows} windows in ${passes} forward passes (mean ${(windows / Math.max(passes, 1)).toFixed(1)} per pass, largest ${batchesAfter.max_batch}, ${batchesAfter.coalesced - batchesBefore.coalesced} passes with > 1)`,
    );
    console.log(
      `RSS ${rss.map(mib).join(' → ')} (before, then after each ${DURATION} s predict run; largest drift after the first run ${(rssDrift * 100).toFixed(1)} %, target ± 5 %); tensors ${tensors.join(' → ')}`,
    );
    console.log(
      `load average at end: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    if (non2xx > 0 || errors > 0) {
      console.error(
        `FAILED: ${non2xx} non-2xx responses and ${errors} socket errors/timeouts; a bench counts only 2xx as throughput`,
      );
      process.exitCode = 1;
    }
    const r1 = (v: number) => Math.round(v * 10) / 10;
    console.log(
      JSON.stringify({
        health_rps: Math.round(healthRps),
        health_p99_ms: r1(healthP99),
        predict_rps: Math.round(predictRps),
        predict_p99_ms: r1(predictP99),
        non_2xx: non2xx,
        errors,
        engine,
        predict_health_ratio: Math.round((predictRps / healthRps) * 100) / 100,
        sequential_predict_p50_ms: seqPredict.p50,
        sequential_predict_p99_ms: seqPredict.p99,
        rss_mib: rss.map((v) => Math.round(v / 2 ** 20)),
        load_avg_1m: Math.round(os.loadavg()[0] * 100) / 100,
      }),
    );
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
