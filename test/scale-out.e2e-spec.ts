import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { spawnService, waitHealthy, type ServiceProcess } from './support/service-process';
import { createScratchDatabase, postgresReachable, realPostgresUrl } from './support/test-database';
import { dailyCsv, randomWalk } from './support/series';

/**
 * Scale-out on a real PostgreSQL, as Kubernetes runs it: two API replicas and training
 * workers as separate OS processes sharing one database and one registry directory.
 * A worker is SIGKILLed in the middle of a job (another worker takes the job over when its
 * heartbeat expires); another is sent SIGTERM (it hands its job back and exits 0).
 */
const KEY = 'scale-out-test-key';
const auth = { 'x-api-key': KEY };

interface Job {
  id: string;
  status: string;
  attempts: number;
  worker: string | null;
  error: string | null;
  note: string | null;
  model_id: string;
  version: string;
  run_id: string | null;
  progress: { phase: string; epoch: number } | null;
}

describe('scale-out: api and worker roles on one PostgreSQL', () => {
  let available = false;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>> | undefined;
  let registry = '';
  let db: Client | undefined;
  const processes: ServiceProcess[] = [];

  const env = () => ({
    DATABASE_URL: scratch!.url,
    DATABASE_POOL_SIZE: '3',
    MODEL_REGISTRY_PATH: registry,
    API_KEY: KEY,
    TRAINING_HEARTBEAT_SECONDS: '10',
    WORKER_DRAIN_SECONDS: '2',
    RATE_LIMIT_PER_MINUTE: '0',
  });
  const start = async (role: 'api' | 'worker'): Promise<ServiceProcess> => {
    const p = await spawnService({ ...env(), SERVICE_ROLE: role });
    processes.push(p);
    return p;
  };
  const getJob = async (api: ServiceProcess, id: string): Promise<Job> =>
    (await (await fetch(`${api.url}/api/v1/training/jobs/${id}`, { headers: auth })).json()) as Job;
  const until = async <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> => {
    const started = Date.now();
    for (;;) {
      const v = await fn();
      if (v !== undefined) return v;
      if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const train = async (api: ServiceProcess, name: string, epochs: number): Promise<string> => {
    const res = await fetch(`${api.url}/api/v1/models/train`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        name,
        model_type: 'time_series',
        features: ['returns_1', 'returns_5'],
        target: 'price_change_1d',
        symbols: ['EUR/USD'],
        start_date: '2000-01-01T00:00:00Z',
        end_date: '2010-01-01T00:00:00Z',
        timeframe: '1d',
        window: 10,
        seed: 5,
        hyperparameters: { units: 16, epochs, batch_size: 16, early_stopping_patience: 1000 },
      }),
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as { job_id: string }).job_id;
  };
  const byWorker = (job: Job, candidates: ServiceProcess[]) =>
    candidates.find((p) => job.worker?.endsWith(`:${p.child.pid}`));

  beforeAll(async () => {
    available = await postgresReachable(realPostgresUrl());
    if (!available) {
      console.warn(`scale-out test skipped: no PostgreSQL at ${realPostgresUrl()} (roles other than "all" need one)`);
      return;
    }
    scratch = await createScratchDatabase(realPostgresUrl());
    registry = fs.mkdtempSync(path.join(os.tmpdir(), 'mlwb-scale-'));
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

  it('refuses api and worker roles on the embedded database, saying why', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlwb-role-'));
    try {
      const p = await spawnService({ MODEL_REGISTRY_PATH: dir, SERVICE_ROLE: 'worker' });
      expect((await p.exited).code).toBe(78);
      expect(p.output()).toContain('SERVICE_ROLE=worker needs DATABASE_URL');
      expect(fs.existsSync(path.join(dir, '.pgdata'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs every job exactly once across workers when one is SIGKILLed mid-training; any API replica serves the result; a SIGTERMed worker hands its job back', async () => {
    if (!available) return;
    // Two API replicas and two workers, started together as a rollout would (migrations take turns).
    const [apiA, apiB, w1, w2] = await Promise.all([start('api'), start('api'), start('worker'), start('worker')]);
    await Promise.all([apiA, apiB, w1, w2].map((p) => waitHealthy(p, 90_000)));
    const migrations = await db!.query(`SELECT count(*)::int AS n FROM migrations`);
    expect(migrations.rows[0].n).toBe(require('../migrations').MIGRATIONS.length);

    // A worker serves probes and metrics only; an API replica does not train.
    const workerApi = await fetch(`${w1.url}/api/v1/models`, { headers: auth });
    expect(workerApi.status).toBe(404);
    expect(await workerApi.json()).toMatchObject({ error_code: 'WORKER_ROLE', correlation_id: expect.any(String) });
    expect((await fetch(`${w1.url}/docs-json`)).status).toBe(404);
    expect((await fetch(`${w1.url}/health/ready`)).status).toBe(200);
    expect((await fetch(`${w1.url}/metrics`)).status).toBe(200);

    const imported = await fetch(`${apiA.url}/api/v1/market-data/import?symbol=EUR/USD&timeframe=1d`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'text/csv' },
      body: dailyCsv(randomWalk(1600, 11)),
    });
    expect(imported.status).toBe(200);

    // Four jobs through both API replicas; the workers share them.
    const ids = [
      await train(apiA, 'Scale A', 12),
      await train(apiB, 'Scale B', 12),
      await train(apiA, 'Scale C', 12),
      await train(apiB, 'Scale D', 12),
    ];

    // SIGKILL the worker running a job once that job is training.
    const victimJob = await until(
      'a job in training',
      async () => {
        for (const id of ids) {
          const j = await getJob(apiA, id);
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
      120_000,
    );
    const victim = byWorker(victimJob, [w1, w2])!;
    const survivor = victim === w1 ? w2 : w1;
    victim.child.kill('SIGKILL');
    await victim.exited;

    const finals = await until(
      'every job final',
      async () => {
        const jobs = await Promise.all(ids.map((id) => getJob(apiB, id)));
        return jobs.every((j) => ['succeeded', 'failed', 'cancelled'].includes(j.status)) ? jobs : undefined;
      },
      180_000,
    );
    for (const j of finals) expect(j.status).toBe('succeeded');
    const recovered = finals.find((j) => j.id === victimJob.id)!;
    // Taken over by the surviving worker; the others ran once, on whichever worker took them.
    expect(recovered).toMatchObject({ attempts: 2, worker: expect.stringContaining(`:${survivor.child.pid}`) });
    for (const j of finals.filter((f) => f.id !== victimJob.id)) expect(j.attempts).toBe(1);

    // Exactly once: one completed queue job per training job, one version per model, every run finished.
    // The job row says succeeded inside the handler; pg-boss marks its own row completed just
    // after the handler returns, so wait for that (bounded) rather than race it.
    const queueRows = await until(
      'every queue job completed',
      async () => {
        const rows = await db!.query(`SELECT id::text, state FROM pgboss.job WHERE name = 'training'`);
        return rows.rows.length === ids.length && rows.rows.every((r) => r.state === 'completed') ? rows : undefined;
      },
      30_000,
    ).catch(async () => db!.query(`SELECT id::text, state FROM pgboss.job WHERE name = 'training'`));
    expect(queueRows.rows.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(queueRows.rows.map((r) => r.state)).toEqual(ids.map(() => 'completed'));
    const versions = await db!.query(
      `SELECT model_id, version, status, artifact_checksum FROM model_versions ORDER BY model_id`,
    );
    expect(versions.rows).toHaveLength(4);
    for (const v of versions.rows) {
      expect(v).toMatchObject({ version: '1.0.0', status: 'experimental', artifact_checksum: expect.any(String) });
      expect(fs.existsSync(path.join(registry, v.model_id, v.version, 'model', 'model.json'))).toBe(true);
    }
    const runs = await db!.query(`SELECT status FROM runs WHERE id = ANY($1::uuid[])`, [finals.map((j) => j.run_id)]);
    expect(runs.rows.map((r) => r.status)).toEqual(['FINISHED', 'FINISHED', 'FINISHED', 'FINISHED']);
    const stuck = await db!.query(
      `SELECT (SELECT count(*) FROM training_jobs WHERE status IN ('queued','running'))::int AS jobs, (SELECT count(*) FROM model_versions WHERE status IN ('queued','training'))::int AS versions`,
    );
    expect(stuck.rows[0]).toEqual({ jobs: 0, versions: 0 });

    // Trained by a worker, served by either API replica from the shared registry volume.
    for (const api of [apiA, apiB]) {
      const res = await fetch(`${api.url}/api/v1/models/${recovered.model_id}/predict`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ symbol: 'EUR/USD', timeframe: '1d' }),
      });
      expect(res.status).toBe(200);
    }

    // SIGTERM: a second worker joins; the one running a long job is asked to stop. It waits
    // WORKER_DRAIN_SECONDS, hands the job back, exits 0, and the other worker finishes the job.
    const w3 = await start('worker');
    await waitHealthy(w3, 60_000);
    const longId = await train(apiA, 'Scale Long', 400);
    const running = await until(
      'the long job training',
      async () => {
        const j = await getJob(apiA, longId);
        return j.status === 'running' && j.progress?.phase === 'training' && j.progress.epoch >= 1 ? j : undefined;
      },
      60_000,
    );
    const stopping = byWorker(running, [survivor, w3])!;
    const other = stopping === survivor ? w3 : survivor;
    const signalled = Date.now();
    stopping.child.kill('SIGTERM');
    expect(await stopping.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(20_000);
    expect(stopping.output()).toContain('handed the training job back to the queue');
    const handedBack = await getJob(apiA, longId);
    expect(['queued', 'running']).toContain(handedBack.status);
    // Being handed back and retried is not an error: it is the job's note.
    expect(handedBack.error).toBeNull();
    expect(handedBack.note ?? '').toMatch(/handed back|retry 1/);

    // The other worker takes it (pg-boss retry); cancel it there once it runs, to keep the test short.
    const retaken = await until(
      'the long job on the other worker',
      async () => {
        const j = await getJob(apiA, longId);
        return j.status === 'running' && j.attempts === 2 && j.worker?.endsWith(`:${other.child.pid}`) ? j : undefined;
      },
      60_000,
    );
    expect(retaken).toMatchObject({
      error: null,
      note: expect.stringMatching(
        /^retry 1 after an interrupted attempt \(attempt 1 was handed back to the queue: worker .+ stopped\)$/,
      ),
    });
    expect(
      (await fetch(`${apiB.url}/api/v1/training/jobs/${longId}/cancel`, { method: 'POST', headers: auth })).status,
    ).toBe(202);
    const cancelled = await until(
      'the long job cancelled',
      async () => {
        const j = await getJob(apiB, longId);
        return j.status === 'cancelled' ? j : undefined;
      },
      60_000,
    );
    expect(cancelled.attempts).toBe(2);
  }, 420_000);
});
