import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { spawnService, waitHealthy, type ServiceProcess } from './support/service-process';
import { createScratchDatabase, postgresReachable, realPostgresUrl } from './support/test-database';
import { dailyCsv, randomWalk } from './support/series';
import { DAILY_TIME_SERIES_REQUEST } from './support/train-request';

/**
 * A sweep spread over two `SERVICE_ROLE=worker` processes on a real PostgreSQL, one of which
 * is SIGKILLed while it trains a trial: the trial's job is retried on the other worker (its
 * heartbeat expires), and the sweep still ends with exactly its planned trials, one winner
 * and one registered version. Skipped without a PostgreSQL server (workers need one).
 */
const KEY = 'sweep-kill-test-key';
const auth = { 'x-api-key': KEY };

interface Job {
  id: string;
  status: string;
  attempts: number;
  worker: string | null;
  progress: { phase: string; epoch: number } | null;
}

const sweepBody = {
  name: 'kill a worker',
  // Enough epochs that a trial is still training when the test finds it (no early stop).
  base: {
    ...DAILY_TIME_SERIES_REQUEST,
    name: 'Sweep Kill',
    architecture: 'lstm',
    symbols: ['EUR/USD'],
    hyperparameters: { epochs: 6, batch_size: 64, early_stopping_patience: 1000 },
  },
  space: {
    'hyperparameters.units': { type: 'choice', values: [4, 6, 8] },
    'hyperparameters.learning_rate': { type: 'float', min: 0.001, max: 0.01, log: true, steps: 2 },
  },
  strategy: 'grid',
  parallelism: 2,
  objective: { metric: 'val_loss', direction: 'minimize' },
  seed: 3,
  early_stopping: { rule: 'none' },
};

describe('sweeps across worker processes on one PostgreSQL', () => {
  let available = false;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>> | undefined;
  let registry = '';
  let db: Client | undefined;
  const processes: ServiceProcess[] = [];

  const start = async (role: 'api' | 'worker'): Promise<ServiceProcess> => {
    const p = await spawnService({
      DATABASE_URL: scratch!.url,
      DATABASE_POOL_SIZE: '3',
      MODEL_REGISTRY_PATH: registry,
      API_KEY: KEY,
      TRAINING_HEARTBEAT_SECONDS: '10',
      WORKER_DRAIN_SECONDS: '2',
      RATE_LIMIT_PER_MINUTE: '0',
      MAX_TRAINING_MEMORY: '8',
      SERVICE_ROLE: role,
    });
    processes.push(p);
    return p;
  };
  const get = async <T>(api: ServiceProcess, p: string): Promise<T> =>
    (await (await fetch(`${api.url}/api/v1${p}`, { headers: auth })).json()) as T;
  const until = async <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> => {
    const started = Date.now();
    for (;;) {
      const v = await fn();
      if (v !== undefined) return v;
      if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const byWorker = (job: Job, candidates: ServiceProcess[]) =>
    candidates.find((p) => job.worker?.endsWith(`:${p.child.pid}`));

  beforeAll(async () => {
    available = await postgresReachable(realPostgresUrl());
    if (!available) {
      console.warn(`sweep worker-kill test skipped: no PostgreSQL at ${realPostgresUrl()} (the worker role needs one)`);
      return;
    }
    scratch = await createScratchDatabase(realPostgresUrl());
    registry = fs.mkdtempSync(path.join(os.tmpdir(), 'mlwb-sweep-kill-'));
    db = new Client({ connectionString: scratch.url });
    await db.connect();
  });
  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(processes.map((p) => p.exited));
    await db?.end();
    await scratch?.drop();
    if (registry) fs.rmSync(registry, { recursive: true, force: true });
  });

  it('SIGKILL of a worker mid-trial: the trial is retried on the other worker and the sweep completes with exactly its planned trials, one winner, one version', async () => {
    if (!available) return;
    const [api, w1, w2] = await Promise.all([start('api'), start('worker'), start('worker')]);
    await Promise.all([api, w1, w2].map((p) => waitHealthy(p, 90_000)));
    const imported = await fetch(`${api.url}/api/v1/market-data/import?symbol=EUR/USD&timeframe=1d`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'text/csv' },
      body: dailyCsv(randomWalk(1600, 11)),
    });
    expect(imported.status).toBe(200);

    const res = await fetch(`${api.url}/api/v1/sweeps`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(sweepBody),
    });
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as { id: string; planned_trials: number };
    expect(accepted.planned_trials).toBe(6);

    // A trial's job training on one of the two workers (past its first epoch): kill that worker.
    const victimJob = await until(
      'a trial in training on a worker',
      async () => {
        const sweep = await get<any>(api, `/sweeps/${accepted.id}`);
        for (const trial of sweep.trials) {
          if (!trial.job_id) continue;
          const j = await get<Job>(api, `/training/jobs/${trial.job_id}`);
          if (
            j.status === 'running' &&
            j.progress?.phase === 'training' &&
            j.progress.epoch >= 1 &&
            byWorker(j, [w1, w2])
          )
            return j;
        }
        return undefined;
      },
      60_000,
    );
    const victim = byWorker(victimJob, [w1, w2])!;
    const survivor = victim === w1 ? w2 : w1;
    victim.child.kill('SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');

    const sweep = await until(
      'the sweep final',
      async () => {
        const s = await get<any>(api, `/sweeps/${accepted.id}`);
        return ['succeeded', 'failed', 'cancelled'].includes(s.status) ? s : undefined;
      },
      240_000,
    );
    expect(sweep).toMatchObject({
      status: 'succeeded',
      planned_trials: 6,
      error: null,
      best: { status: 'registered', model_id: 'sweep_kill', version: '1.0.0' },
    });
    // Exactly the planned trials: none lost with the worker, none proposed twice.
    expect(sweep.trials.map((t: any) => t.index)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const t of sweep.trials)
      expect(t).toMatchObject({ status: 'succeeded', objective: expect.any(Number), epochs: 6 });
    expect(new Set(sweep.trials.map((t: any) => JSON.stringify(t.params))).size).toBe(6);

    // The killed worker's trial ran a second attempt, on the survivor; every other trial ran once.
    const victimTrial = sweep.trials.find((t: any) => t.job_id === victimJob.id);
    expect(victimTrial).toBeDefined();
    const recovered = await get<Job>(api, `/training/jobs/${victimJob.id}`);
    expect(recovered).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      worker: expect.stringContaining(`:${survivor.child.pid}`),
    });
    for (const t of sweep.trials.filter((x: any) => x.job_id !== victimJob.id))
      expect((await get<Job>(api, `/training/jobs/${t.job_id}`)).attempts).toBe(1);

    // One winner: the trial with the lowest objective, registered as the only version, naming the sweep.
    const winner = [...sweep.trials].sort((a: any, b: any) => a.objective - b.objective || a.index - b.index)[0];
    expect(sweep.best).toMatchObject({ trial: winner.index, params: winner.params });
    const versions = await db!.query(
      `SELECT model_id, version, data_config->>'sweep_id' AS sweep_id FROM model_versions`,
    );
    expect(versions.rows).toEqual([{ model_id: 'sweep_kill', version: '1.0.0', sweep_id: accepted.id }]);
    const jobs = await db!.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'succeeded')::int AS ok FROM training_jobs`,
    );
    expect(jobs.rows[0]).toEqual({ n: 7, ok: 7 }); // six trials and the winner's training
  }, 300_000);
});
