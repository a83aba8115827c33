/**
 * A hyperparameter sweep of 16 trials on one `SERVICE_ROLE=worker` process, then on two, on
 * PostgreSQL (issue #16: two workers should take ≤ 0.6× the time of one).
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:sweep [-- --trials 16 --epochs 5 --rounds 1 --threads N]
 *
 * Each configuration gets a scratch database (created on BENCH_DATABASE_URL's server, dropped
 * after) and a scratch registry, one `SERVICE_ROLE=api` process and N worker processes
 * (TRAINING_CONCURRENCY=1 each), all from the TypeScript sources as the tests start them.
 * The same sweep (grid over LSTM units × learning rate, same seed, parallelism 2, no early
 * stopping) is posted to the API; the clock runs from the POST to the sweep's `succeeded`
 * (every trial plus the winner's scored, registered training). "trials" is the POST to the
 * last trial's finish. `--threads N` sets FUSED_RNN_THREADS for the workers (the native
 * engine's threads per layer call; by default as many as the CPUs, ≤ 8).
 * Prints the machine, the load average, each run's figures, and a JSON line last.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnService, waitHealthy, type ServiceProcess } from '../test/support/service-process';
import { createScratchDatabase } from '../test/support/test-database';
import { dailyCsv } from './daily-csv';
import { machineLine } from './machine';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} must be a positive integer`);
  return v;
}
const TRIALS = arg('trials', 16);
const EPOCHS = arg('epochs', 5);
const ROUNDS = arg('rounds', 1);
const THREADS = process.argv.includes('--threads') ? arg('threads', 1) : undefined;
const DB_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const KEY = 'bench-sweep-key';
const auth = { 'x-api-key': KEY };

/** A grid of exactly TRIALS points: units × learning rates (the factor pair closest to a square). */
function space(trials: number) {
  let a = Math.floor(Math.sqrt(trials));
  while (trials % a) a -= 1;
  const b = trials / a;
  return {
    'hyperparameters.units': { type: 'choice', values: Array.from({ length: a }, (_, i) => 8 + 4 * i) },
    'hyperparameters.learning_rate':
      b === 1 ? { type: 'choice', values: [0.003] } : { type: 'float', min: 0.001, max: 0.01, log: true, steps: b },
  };
}

interface Result {
  workers: number;
  round: number;
  seconds: number;
  trials_seconds: number;
  trial_mean_seconds: number;
  attempts: number;
  load_before: number;
  load_after: number;
}

async function runOnce(workers: number, round: number): Promise<Result> {
  const scratch = await createScratchDatabase(DB_URL);
  const registry = fs.mkdtempSync(path.join(os.tmpdir(), 'mlwb-bench-sweep-'));
  const procs: ServiceProcess[] = [];
  const env = (role: string) => ({
    DATABASE_URL: scratch.url,
    DATABASE_POOL_SIZE: '3',
    MODEL_REGISTRY_PATH: registry,
    API_KEY: KEY,
    RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'WARNING',
    SERVICE_ROLE: role,
    ...(THREADS && role === 'worker' ? { FUSED_RNN_THREADS: String(THREADS) } : {}),
  });
  try {
    // The API first (it runs the migrations), then the workers.
    const api = await spawnService(env('api'));
    procs.push(api);
    await waitHealthy(api, 120_000);
    for (let i = 0; i < workers; i++) procs.push(await spawnService(env('worker')));
    await Promise.all(procs.map((p) => waitHealthy(p, 120_000)));
    const csv = dailyCsv(1600, 11);
    const imported = await fetch(`${api.url}/api/v1/market-data/import?symbol=EUR/USD&timeframe=1d`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'text/csv' },
      body: csv,
    });
    if (imported.status !== 200) throw new Error(`import: ${imported.status} ${await imported.text()}`);
    const body = {
      name: `bench ${workers} worker(s)`,
      base: {
        name: 'Bench Sweep',
        model_type: 'time_series',
        architecture: 'lstm',
        features: ['returns_1', 'returns_5', 'zscore_20'],
        target: 'price_change_1d',
        symbols: ['EUR/USD'],
        start_date: '2000-01-01T00:00:00Z',
        end_date: '2010-01-01T00:00:00Z',
        timeframe: '1d',
        window: 10,
        seed: 7,
        hyperparameters: { epochs: EPOCHS, batch_size: 32, early_stopping_patience: 1000 },
      },
      space: space(TRIALS),
      strategy: 'grid',
      parallelism: 2,
      objective: { metric: 'val_loss', direction: 'minimize' },
      seed: 1,
      early_stopping: { rule: 'none' },
    };
    const loadBefore = os.loadavg()[0];
    const started = performance.now();
    const postedAt = Date.now();
    const res = await fetch(`${api.url}/api/v1/sweeps`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 202) throw new Error(`sweep: ${res.status} ${await res.text()}`);
    const { id } = (await res.json()) as { id: string };
    let sweep: any;
    for (;;) {
      sweep = await (await fetch(`${api.url}/api/v1/sweeps/${id}`, { headers: auth })).json();
      if (['succeeded', 'failed', 'cancelled'].includes(sweep.status)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const seconds = (performance.now() - started) / 1000;
    if (sweep.status !== 'succeeded' || sweep.trials.length !== TRIALS)
      throw new Error(`sweep ended ${sweep.status} with ${sweep.trials.length} trials: ${sweep.error}`);
    const lastTrial = Math.max(...sweep.trials.map((t: any) => Date.parse(t.finished_at)));
    const durations = sweep.trials.map((t: any) => Date.parse(t.finished_at) - Date.parse(t.created_at));
    const jobs = await Promise.all(
      sweep.trials.map(
        async (t: any) =>
          (await (await fetch(`${api.url}/api/v1/training/jobs/${t.job_id}`, { headers: auth })).json()) as {
            attempts: number;
          },
      ),
    );
    return {
      workers,
      round,
      seconds: Number(seconds.toFixed(1)),
      trials_seconds: Number(((lastTrial - postedAt) / 1000).toFixed(1)),
      trial_mean_seconds: Number(
        (durations.reduce((a: number, b: number) => a + b, 0) / durations.length / 1000).toFixed(1),
      ),
      attempts: jobs.reduce((a, j) => a + j.attempts, 0),
      load_before: Number(loadBefore.toFixed(1)),
      load_after: Number(os.loadavg()[0].toFixed(1)),
    };
  } finally {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
    await Promise.race([Promise.all(procs.map((p) => p.exited)), new Promise((r) => setTimeout(r, 30_000))]);
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await scratch.drop();
    fs.rmSync(registry, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return Number((s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2).toFixed(1));
}

async function main() {
  console.log(machineLine());
  console.log(
    `PostgreSQL: ${new URL(DB_URL).host}; sweep: ${TRIALS} trials (grid), LSTM, ${EPOCHS} epochs, parallelism 2; FUSED_RNN_THREADS ${THREADS ?? 'default'}; load average at start ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const results: Result[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const workers of [1, 2]) {
      const r = await runOnce(workers, round);
      results.push(r);
      console.log(
        `round ${round}, ${workers} worker(s): sweep ${r.seconds} s (trials done at ${r.trials_seconds} s; mean trial ${r.trial_mean_seconds} s; ${r.attempts} attempts), load average ${r.load_before} → ${r.load_after}`,
      );
    }
  }
  const one = median(results.filter((r) => r.workers === 1).map((r) => r.seconds));
  const two = median(results.filter((r) => r.workers === 2).map((r) => r.seconds));
  const ratio = Number((two / one).toFixed(2));
  console.log(
    `two workers / one worker (medians over ${ROUNDS} round(s)): ${ratio} (target ≤ 0.6)${ratio <= 0.6 ? '' : ' — NOT met'}`,
  );
  console.log(
    JSON.stringify({
      bench: 'sweep-workers',
      machine: machineLine(),
      trials: TRIALS,
      epochs: EPOCHS,
      threads: THREADS ?? null,
      one_worker_s: one,
      two_workers_s: two,
      ratio,
      target: 0.6,
      met: ratio <= 0.6,
      runs: results,
    }),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
