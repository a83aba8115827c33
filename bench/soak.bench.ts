/**
 * Soak: predictions at sustained load while a training job runs in the same service, for a
 * fixed window (60 s by default). Checks that nothing fails and nothing grows.
 *
 *   node -r @swc-node/register bench/soak.bench.ts [--seconds 60] [--connections 64] [--max-rss-slope 5] [--no-training]
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres …   (PostgreSQL: a scratch database is created there and dropped)
 *
 * The real service runs as a child process (`src/main.ts`; RATE_LIMIT_PER_MINUTE=0 so the rate
 * limiter does not turn the load into 429s; LOG_LEVEL=WARNING so warnings are counted), on the
 * embedded database unless BENCH_DATABASE_URL is set. The bench imports synthetic daily bars,
 * trains an LSTM(64) for one epoch to predict with, then submits a second, long training job
 * (LSTM(64), up to 1000 epochs, no early stop) and warms up under load until that job has
 * finished an epoch. Then it drives POST /api/v1/models/{id}/predict with autocannon for the
 * window, sampling every second the service's RSS (/proc/<pid>/status VmRSS), its main-thread
 * V8 heap, external memory, event-loop stall and tfjs tensor count (/metrics:
 * nodejs_heap_size_used_bytes, nodejs_external_memory_bytes, nodejs_eventloop_lag_max_seconds,
 * ml_tensors) and the job's epoch. A job that ends early is resubmitted; the one still running
 * at the end is cancelled. `--no-training` is the control run: predictions only.
 *
 * The service runs with --expose-gc and a bench-only preload (written to the scratch folder)
 * that runs a full GC in the main thread and the training threads on SIGUSR2: memory is also
 * compared after a forced full GC before and after the window (a leak survives GC; garbage that
 * V8 has not collected yet does not — its old generation fills for minutes before a major GC,
 * so RSS in a 60 s window rises whether or not anything leaks).
 *
 * PASS needs: zero errors (non-2xx + socket errors, timeouts included); the idle tensor count
 * after the window not above the one before it; RSS slope (least squares over the samples after
 * the first 10 s) at most --max-rss-slope MiB/min (5: ~90 bytes leaked per request at 1,000
 * req/s, 7 GiB a day), or else RSS after the forced full GC at the end within that rate × minutes
 * + 64 MiB of RSS after the one at the start; V8 heap after the forced GCs grown by at most that
 * rate × minutes; the training job running throughout, with at least one epoch completed in the
 * window and no failed job. Exit code 1 otherwise.
 *
 * SOAK_SAMPLES_FILE=path writes the per-second samples as JSON; SOAK_CPU_PROF=dir writes V8
 * CPU profiles of the service's threads (--cpu-prof) there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { dailyCsv } from './daily-csv';
import { machineLine } from './machine';
import { BENCH_FEATURES, BENCH_WINDOW, lstmTrainRequest } from './lstm-train-request';

// ── options ────────────────────────────────────────────────────────────────────────────────
function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}
const SECONDS = arg('seconds', 60);
const CONNECTIONS = Math.round(arg('connections', 64));
/**
 * 5 MiB/min: a leak of ~90 bytes per request at this machine's ~1,000 req/s, or 7 GiB a day —
 * enough to kill a pod within a day. Below it, a 60 s window cannot tell a leak from V8 heap
 * and malloc arenas still settling (the sawtooth of GC alone moves RSS by tens of MiB).
 */
const MAX_RSS_SLOPE = arg('max-rss-slope', 5);
/**
 * What RSS after a forced full GC moves by without a leak: glibc arenas, WebAssembly memory
 * (which never shrinks) and socket buffers settle differently each time. Measured on this
 * machine with no leak (JS heap after GC ±1 MiB, tensors flat): −35 to +37 MiB in 60 s windows,
 * +8 MiB in a 300 s window whose RSS slope was −0.3 MiB/min. So a 60 s window resolves RSS
 * growth only to ~70 MiB/min; run --seconds 300 for the slope itself to decide.
 */
const RSS_SETTLE_MIB = 64;
/** `--no-training`: predictions only — the control run that tells the training job's share of RSS and latency. */
const TRAINING = !process.argv.includes('--no-training');
const SLOPE_SKIP_S = 10;
const WARMUP_S = 10;

const FEATURES = BENCH_FEATURES;
const WINDOW = BENCH_WINDOW;
const BARS = 3000;
const ROOT = path.resolve(__dirname, '..');

const mib = (b: number) => b / 2 ** 20;
const fmtMiB = (b: number) => `${mib(b).toFixed(0)} MiB`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Least-squares slope of y on x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  return sxx === 0 ? 0 : sxy / sxx;
}

function rssOf(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) per thread of a process, from /proc/<pid>/task/<tid>/stat. */
function threadCpu(pid: number): Map<string, { name: string; seconds: number }> {
  const out = new Map<string, { name: string; seconds: number }>();
  const tick = 100; // USER_HZ on Linux
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out.set(tid, { name: Number(tid) === pid ? 'main' : name, seconds: (Number(f[11]) + Number(f[12])) / tick });
      } catch {
        /* thread gone */
      }
    }
  } catch {
    /* no /proc */
  }
  return out;
}

function metric(text: string, name: string): number | null {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}

// ── scratch PostgreSQL database ─────────────────────────────────────────────────────────────
async function scratchDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const { Client } = await import('pg');
  const name = `mlwb_soak_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`).finally(() => admin.end());
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => c.end());
    },
  };
}

// ── the service as a child process ───────────────────────────────────────────────────────────
interface Service {
  child: ChildProcess;
  url: string;
  logLines: string[];
  stop: () => Promise<number | null>;
}

async function startService(env: Record<string, string>, dir: string): Promise<Service> {
  const port = await freePort();
  // Bench-only hook: SIGUSR2 runs a full GC in the service's main thread and, through a
  // BroadcastChannel, in its worker threads (training), so memory can be compared without garbage.
  const gcHook = path.join(dir, 'gc-on-sigusr2.js');
  fs.writeFileSync(
    gcHook,
    [
      "const { isMainThread } = require('node:worker_threads');",
      "const channel = new BroadcastChannel('mlwb-bench-gc');",
      'channel.unref();',
      'const full = () => { global.gc(); global.gc(); };',
      "if (isMainThread) process.on('SIGUSR2', () => { full(); channel.postMessage('gc'); });",
      'else channel.onmessage = full;',
    ].join('\n'),
  );
  const prof = process.env.SOAK_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.SOAK_CPU_PROF)}`]
    : [];
  const child = spawn(
    process.execPath,
    ['--expose-gc', ...prof, '-r', gcHook, '-r', '@swc-node/register', 'src/main.ts'],
    {
      cwd: ROOT,
      env: { ...process.env, ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const logLines: string[] = [];
  let exited: number | null | undefined;
  const exitedP = new Promise<number | null>((r) => child.once('exit', (code) => r((exited = code))));
  for (const stream of [child.stdout, child.stderr]) {
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) if (l.trim()) logLines.push(l);
    });
  }
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (exited !== undefined)
      throw new Error(`service exited with ${exited} during start:\n${logLines.slice(-20).join('\n')}`);
    try {
      if ((await fetch(`${url}/health/live`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error('service did not start within 180 s');
    await sleep(500);
  }
  return {
    child,
    url,
    logLines,
    stop: async () => {
      if (exited !== undefined) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exitedP;
      clearTimeout(timer);
      return code;
    },
  };
}

// ── main ─────────────────────────────────────────────────────────────────────────────────────
interface Sample {
  t: number;
  rss: number;
  heap: number | null;
  /** V8 external memory of the main thread: ArrayBuffers, including the wasm backend's memory. */
  external: number | null;
  tensors: number | null;
  /** Longest event-loop stall since the previous scrape (prom-client resets it per scrape), ms. */
  lagMax: number | null;
  epoch: number;
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlwb-bench-soak-'));
  const db = process.env.BENCH_DATABASE_URL ? await scratchDatabase(process.env.BENCH_DATABASE_URL) : null;
  let service: Service | undefined;
  try {
    service = await startService(
      {
        MODEL_REGISTRY_PATH: dir,
        LOG_LEVEL: 'WARNING',
        DEMO_DATA: 'false',
        RATE_LIMIT_PER_MINUTE: '0',
        TF_BACKEND: process.env.TF_BACKEND ?? 'auto',
        ...(db ? { DATABASE_URL: db.url } : {}),
      },
      dir,
    );
    const { url, child } = service;
    const pid = child.pid!;
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
    const trainRequest = (name: string, epochs: number, seed: number) =>
      lstmTrainRequest({ name, epochs, batchSize: 32, seed, extra: { early_stopping_patience: 1000 } });
    const TERMINAL = ['succeeded', 'failed', 'cancelled'];

    // 1. Data and the model to predict with.
    await call('/api/v1/market-data/import?symbol=EUR/USD&timeframe=1d', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: dailyCsv(BARS, 42),
    });
    const base = await call('/api/v1/models/train', { method: 'POST', json: trainRequest('Soak predictor', 1, 1) });
    let job: any;
    for (;;) {
      job = await call(`/api/v1/training/jobs/${base.job_id}`);
      if (TERMINAL.includes(job.status)) break;
      await sleep(250);
    }
    if (job.status !== 'succeeded') throw new Error(`training the predictor ${job.status}: ${job.error}`);
    const values = await call(
      `/api/v1/features/values?symbol=EUR/USD&timeframe=1d&features=${FEATURES.join(',')}&start=${new Date(Date.parse('2000-01-03T00:00:00Z') + (BARS - WINDOW) * 86_400_000).toISOString()}`,
    );
    const features = Object.fromEntries(
      FEATURES.map((f) => [f, values.rows.map((r: { values: Record<string, number> }) => r.values[f])]),
    );
    const body = JSON.stringify({ symbol: 'EUR/USD', timeframe: '1d', features });
    const predictUrl = `${url}/api/v1/models/${base.model_id}/predict`;
    await call(`/api/v1/models/${base.model_id}/predict`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });

    // 2. The long training job, and the warm-up.
    const autocannon = require('autocannon');
    const load = (duration: number) =>
      autocannon({
        url: predictUrl,
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
        connections: CONNECTIONS,
        duration,
      });
    const jobs: Array<{ id: string; epochsAtStart: number; epoch: number; status: string; error: string | null }> = [];
    const submit = async (epochsAtStart = 0) => {
      const a = await call('/api/v1/models/train', {
        method: 'POST',
        json: trainRequest('Soak trainer', 1000, 2 + jobs.length),
      });
      jobs.push({ id: a.job_id, epochsAtStart, epoch: 0, status: 'queued', error: null });
    };
    // Warm-up under load until the job has finished its first epoch (dataset built, thread and
    // its wasm memory at working size), at least WARMUP_S.
    if (TRAINING) await submit();
    const warmupStarted = Date.now();
    await load(WARMUP_S);
    for (; TRAINING;) {
      job = await call(`/api/v1/training/jobs/${jobs[0].id}`);
      if (job.status === 'running' && job.progress?.phase === 'training' && (job.progress?.epoch ?? 0) >= 1) break;
      if (TERMINAL.includes(job.status))
        throw new Error(`the soak training job ended before the window: ${job.status} ${job.error}`);
      if (Date.now() - warmupStarted > 180_000)
        throw new Error(`the soak training job has not finished an epoch after 180 s: ${JSON.stringify(job.progress)}`);
      await load(3);
    }
    const warmupSeconds = (Date.now() - warmupStarted) / 1000;
    if (TRAINING) {
      jobs[0].epochsAtStart = job.progress?.epoch ?? 0;
      jobs[0].epoch = jobs[0].epochsAtStart;
      jobs[0].status = job.status;
    }
    await sleep(1000);
    const scrape = async () => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const lag = metric(text, 'nodejs_eventloop_lag_max_seconds');
      // The server's own latency histogram for the predict route, summed over status labels.
      const buckets = new Map<string, number>();
      for (const m of text.matchAll(/^http_request_duration_seconds_bucket\{([^}]*)\} (\S+)$/gm)) {
        if (!m[1].includes('route="/api/v1/models/:model_id/predict"')) continue;
        const le = /le="([^"]+)"/.exec(m[1])![1];
        buckets.set(le, (buckets.get(le) ?? 0) + Number(m[2]));
      }
      return {
        tensors: metric(text, 'ml_tensors'),
        heap: metric(text, 'nodejs_heap_size_used_bytes'),
        external: metric(text, 'nodejs_external_memory_bytes'),
        rss: metric(text, 'process_resident_memory_bytes'),
        lagMax: lag === null ? null : lag * 1000,
        buckets,
      };
    };
    const afterFullGc = async () => {
      child.kill('SIGUSR2');
      await sleep(1500);
      return { ...(await scrape()), rss: rssOf(pid) };
    };
    const gcBefore = await afterFullGc();
    const idleBefore = await scrape();
    if (idleBefore.tensors === null) throw new Error('the service exposes no ml_tensors gauge at /metrics');
    const logLinesBefore = service.logLines.length;

    // 3. The window: load + one sample a second.
    const samples: Sample[] = [];
    const cpuBefore = threadCpu(pid);
    const benchCpuBefore = process.cpuUsage();
    const loadBefore = os.loadavg()[0];
    const t0 = performance.now();
    let sampling = false;
    let resubmissions = 0;
    const tick = async () => {
      if (sampling) return;
      sampling = true;
      try {
        const t = (performance.now() - t0) / 1000;
        const rss = rssOf(pid);
        const m = await scrape();
        const current = jobs[jobs.length - 1];
        if (current) {
          const j = await call(`/api/v1/training/jobs/${current.id}`);
          current.status = j.status;
          current.epoch = j.progress?.epoch ?? current.epoch;
          current.error = j.error ?? null;
          if (TERMINAL.includes(j.status) && t < SECONDS - 5) {
            resubmissions++;
            await submit(0);
          }
        }
        samples.push({
          t,
          rss: rss ?? m.rss ?? NaN,
          heap: m.heap,
          external: m.external,
          tensors: m.tensors,
          lagMax: m.lagMax,
          epoch: jobs.reduce((a, x) => a + x.epoch - x.epochsAtStart, 0),
        });
      } catch (e) {
        console.error(`sample failed: ${(e as Error).message}`);
      } finally {
        sampling = false;
      }
    };
    await tick();
    const timer = setInterval(() => void tick(), 1000);
    const result = await load(SECONDS);
    const wall = (performance.now() - t0) / 1000;
    const cpuAfter = threadCpu(pid);
    const benchCpu = process.cpuUsage(benchCpuBefore);
    const loadAfter = os.loadavg()[0];
    clearInterval(timer);
    while (sampling) await sleep(50);
    await tick();

    // 4. After: idle tensors, then the job's state at the end of the window, then cancel it.
    await sleep(1000);
    const idleAfter = await scrape();
    const gcAfter = await afterFullGc();
    const last = jobs[jobs.length - 1];
    const endStatus = last?.status ?? 'none (--no-training)';
    let finalStatus = endStatus;
    if (last && !TERMINAL.includes(endStatus)) {
      // 409 when it ended in the meantime: the poll below reads its final status either way.
      await call(`/api/v1/training/jobs/${last.id}/cancel`, { method: 'POST' }).catch(() => undefined);
      const d = Date.now() + 60_000;
      for (;;) {
        job = await call(`/api/v1/training/jobs/${last.id}`);
        if (TERMINAL.includes(job.status) || Date.now() > d) break;
        await sleep(250);
      }
      finalStatus = `${job.status} (cancelled by the bench after the window)`;
    }
    const newLogLines = service.logLines.slice(logLinesBefore);
    const stopCode = await service.stop();

    // 5. Report.
    const rssS = samples.filter((s) => Number.isFinite(s.rss));
    const fit = rssS.filter((s) => s.t >= SLOPE_SKIP_S);
    const rssSlope =
      fit.length >= 3
        ? slope(
            fit.map((s) => s.t / 60),
            fit.map((s) => mib(s.rss)),
          )
        : NaN;
    const late = rssS.filter((s) => s.t >= SECONDS / 2);
    const lateSlope =
      late.length >= 3
        ? slope(
            late.map((s) => s.t / 60),
            late.map((s) => mib(s.rss)),
          )
        : NaN;
    const heapFit = fit.filter((s) => s.heap !== null);
    const heapSlope =
      heapFit.length >= 3
        ? slope(
            heapFit.map((s) => s.t / 60),
            heapFit.map((s) => mib(s.heap!)),
          )
        : NaN;
    const mid = rssS.reduce(
      (best, s) => (Math.abs(s.t - SECONDS / 2) < Math.abs(best.t - SECONDS / 2) ? s : best),
      rssS[0],
    );
    const tensorValues = samples.map((s) => s.tensors).filter((x): x is number => x !== null);
    const epochs = samples.length ? samples[samples.length - 1].epoch : 0;
    const errors = result.errors + result.non2xx;
    const failedJobs = jobs.filter((j) => j.status === 'failed');

    console.log(machineLine());
    console.log(
      `database: ${db ? 'PostgreSQL (scratch database)' : 'embedded PGlite'}; service: child process (pid ${pid}), RATE_LIMIT_PER_MINUTE=0; predictor LSTM(64), window ${WINDOW} × ${FEATURES.length}${TRAINING ? `; trainer LSTM(64) on the same ${BARS} daily bars, batch 32, ≤ 1000 epochs` : '; no training job (--no-training)'}`,
    );
    console.log(
      `load: autocannon in the bench process, ${CONNECTIONS} connections, ${SECONDS} s (after ${warmupSeconds.toFixed(0)} s of warm-up under load${TRAINING ? ', until the job finished an epoch' : ''}), POST /api/v1/models/{id}/predict, ${body.length}-byte body`,
    );
    console.log('');
    console.log('   t    RSS   heap  external  tensors  epochs  loop stall');
    for (const s of samples.filter((_, i) => i % 5 === 0 || i === samples.length - 1)) {
      console.log(
        `${s.t.toFixed(0).padStart(4)} s ${mib(s.rss).toFixed(0).padStart(5)} ${s.heap === null ? '    ?' : mib(s.heap).toFixed(0).padStart(5)} ${s.external === null ? '    ?' : mib(s.external).toFixed(0).padStart(5)} MiB ${String(s.tensors ?? '?').padStart(5)} ${String(s.epoch).padStart(7)} ${s.lagMax === null ? '?' : s.lagMax.toFixed(0).padStart(7)} ms`,
      );
    }
    if (process.env.SOAK_SAMPLES_FILE)
      fs.writeFileSync(process.env.SOAK_SAMPLES_FILE, JSON.stringify(samples, null, 1));
    console.log('');
    console.log(
      `requests: ${result.requests.total} in ${SECONDS} s, ${result.requests.average.toFixed(0)} req/s; latency p50 ${result.latency.p50} ms, p90 ${result.latency.p90} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`,
    );
    console.log(
      `errors: ${errors} (${result.non2xx} non-2xx, ${result.errors} socket errors of which ${result.timeouts} timeouts)`,
    );
    const serverCount = (le: string) => (idleAfter.buckets.get(le) ?? 0) - (idleBefore.buckets.get(le) ?? 0);
    const served = serverCount('+Inf');
    console.log(
      `server side (http_request_duration_seconds, predict route): ${served} requests; over 1 s: ${served - serverCount('1')}, over 2.5 s: ${served - serverCount('2.5')}, over 10 s: ${served - serverCount('10')}`,
    );
    if (cpuAfter.size) {
      // Cores used over the window: the service's main thread (HTTP + prediction), its other
      // threads by name (training is a thread named like the main one), and the load generator.
      const used = new Map<string, number>();
      for (const [tid, a] of cpuAfter) {
        const d = a.seconds - (cpuBefore.get(tid)?.seconds ?? 0);
        const key = a.name === 'main' ? 'main thread' : a.name === 'node' ? 'worker threads (training)' : a.name;
        used.set(key, (used.get(key) ?? 0) + d);
      }
      const parts = [...used]
        .filter(([, v]) => v / wall >= 0.01)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${(v / wall).toFixed(2)}`);
      console.log(
        `CPU over the window (cores, of ${os.cpus().length}): service ${parts.join(', ')}; load generator + sampler ${((benchCpu.user + benchCpu.system) / 1e6 / wall).toFixed(2)}; load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)}`,
      );
    }
    console.log(
      `RSS: start ${fmtMiB(rssS[0].rss)}, mid ${fmtMiB(mid.rss)} (t=${mid.t.toFixed(0)} s), end ${fmtMiB(rssS[rssS.length - 1].rss)}, min ${fmtMiB(Math.min(...rssS.map((s) => s.rss)))}, max ${fmtMiB(Math.max(...rssS.map((s) => s.rss)))}; slope ${rssSlope.toFixed(2)} MiB/min over ${fit.length} samples after ${SLOPE_SKIP_S} s (limit ${MAX_RSS_SLOPE}), ${lateSlope.toFixed(2)} MiB/min over the second half; V8 heap used slope ${heapSlope.toFixed(2)} MiB/min`,
    );
    console.log(
      `after a forced full GC (main and training threads), before → after the window: V8 heap used ${fmtMiB(gcBefore.heap ?? NaN)} → ${fmtMiB(gcAfter.heap ?? NaN)} (retained ${mib((gcAfter.heap ?? NaN) - (gcBefore.heap ?? NaN)).toFixed(1)} MiB), RSS ${fmtMiB(gcBefore.rss ?? NaN)} → ${fmtMiB(gcAfter.rss ?? NaN)}`,
    );
    console.log(
      `tensors (main thread): idle before ${idleBefore.tensors}, idle after ${idleAfter.tensors}; during the window min ${Math.min(...tensorValues)}, max ${Math.max(...tensorValues)}`,
    );
    const lags = samples.filter((s) => s.lagMax !== null);
    if (lags.length) {
      const worst = lags.reduce((w, s) => (s.lagMax! > w.lagMax! ? s : w));
      console.log(
        `event loop: longest stall ${worst.lagMax!.toFixed(0)} ms (at t=${worst.t.toFixed(0)} s); seconds with a stall > 250 ms: ${lags.filter((s) => s.lagMax! > 250).length} of ${lags.length}`,
      );
    }
    console.log(
      `training: ${epochs} epochs completed during the window, ${jobs.length} job(s) (${resubmissions} resubmitted); status at the end of the window: ${endStatus}; final: ${finalStatus}${failedJobs.length ? `; FAILED: ${failedJobs.map((j) => j.error).join('; ')}` : ''}`,
    );
    console.log(
      `service: ${newLogLines.length} warning/error log lines during the soak; exit code ${stopCode} on SIGTERM`,
    );
    for (const l of newLogLines.slice(0, 5)) console.log(`  ${l.slice(0, 300)}`);

    const reasons: string[] = [];
    if (errors > 0) reasons.push(`${errors} errors`);
    if (idleAfter.tensors === null || idleAfter.tensors > idleBefore.tensors)
      reasons.push(`tensors grew ${idleBefore.tensors} → ${idleAfter.tensors}`);
    // A slope above the limit passes only when a forced full GC (all threads) brings RSS back to
    // within limit × minutes (+ RSS_SETTLE_MIB) of the start: then it was garbage V8 had not
    // collected yet — its old generation fills for minutes before a major GC — not a leak.
    const minutes = SECONDS / 60;
    const retained = mib((gcAfter.rss ?? NaN) - (gcBefore.rss ?? NaN));
    const retainedLimit = MAX_RSS_SLOPE * minutes + RSS_SETTLE_MIB;
    if (!(rssSlope <= MAX_RSS_SLOPE) && !(retained <= retainedLimit))
      reasons.push(
        `RSS slope ${rssSlope.toFixed(2)} MiB/min > ${MAX_RSS_SLOPE}, and RSS after a forced full GC grew ${retained.toFixed(0)} MiB > ${retainedLimit.toFixed(0)}`,
      );
    const rssVerdict =
      rssSlope <= MAX_RSS_SLOPE
        ? `RSS slope ${rssSlope.toFixed(2)} MiB/min ≤ ${MAX_RSS_SLOPE}`
        : `RSS slope ${rssSlope.toFixed(2)} MiB/min is uncollected garbage (after a forced full GC RSS moved ${retained.toFixed(0)} MiB ≤ ${retainedLimit.toFixed(0)})`;
    // The JS heap after a full GC is exact to a fraction of a MiB: a leak of JS objects shows here first.
    const heapRetained = mib((gcAfter.heap ?? NaN) - (gcBefore.heap ?? NaN));
    const heapLimit = MAX_RSS_SLOPE * minutes;
    if (!(heapRetained <= heapLimit))
      reasons.push(`V8 heap after a forced full GC grew ${heapRetained.toFixed(1)} MiB > ${heapLimit.toFixed(0)}`);
    if (TRAINING && epochs < 1) reasons.push('no training epoch completed during the window');
    if (failedJobs.length) reasons.push(`${failedJobs.length} training job(s) failed`);
    if (result.requests.total === 0) reasons.push('no requests completed');
    console.log(
      reasons.length
        ? `FAIL: ${reasons.join('; ')}`
        : `PASS: 0 errors, tensors flat (${idleBefore.tensors} → ${idleAfter.tensors}), ${rssVerdict}, heap retained ${heapRetained.toFixed(1)} MiB, ${TRAINING ? `${epochs} training epochs alongside` : 'no training (control run)'}, p99 ${result.latency.p99} ms`,
    );
    process.exitCode = reasons.length ? 1 : 0;
  } finally {
    await service?.stop();
    await db?.drop().catch((e) => console.error(`dropping the scratch database: ${(e as Error).message}`));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
