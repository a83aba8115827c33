import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dailyCsv, randomWalk } from './support/series';
import { spawnService, waitHealthy, type ServiceProcess } from './support/service-process';

/** These tests run the service as a real OS process: start-up, locking, signals. */
describe('service process', () => {
  const dirs: string[] = [];
  const running: ServiceProcess[] = [];
  const tempDir = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mlwb-proc-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('refuses to start on bad environment values, naming each one, with a non-zero exit', async () => {
    const svc = await spawnService({
      PORT: 'abc',
      LOG_LEVEL: 'LOUD',
      MAX_TRAINING_MEMORY: '-1',
      MODEL_REGISTRY_PATH: tempDir(),
    });
    const { code } = await svc.exited;
    expect(code).not.toBe(0);
    expect(svc.output()).toContain('PORT="abc"');
    expect(svc.output()).toContain('LOG_LEVEL="LOUD"');
    expect(svc.output()).toContain('MAX_TRAINING_MEMORY="-1"');
  });

  it('locks the embedded database: a second process on the same directory refuses to start; SIGTERM exits 0 and frees it', async () => {
    const registry = tempDir();
    const first = await spawnService({ MODEL_REGISTRY_PATH: registry });
    running.push(first);
    await waitHealthy(first);
    expect(fs.existsSync(path.join(registry, '.pgdata.lock'))).toBe(true);

    const second = await spawnService({ MODEL_REGISTRY_PATH: registry });
    running.push(second);
    const secondExit = await second.exited;
    expect(secondExit.code).not.toBe(0);
    expect(second.output()).toMatch(/already in use by process \d+/);

    first.child.kill('SIGTERM');
    const firstExit = await first.exited;
    expect(firstExit).toEqual({ code: 0, signal: null });
    expect(first.output()).toContain('stopped cleanly');
    expect(fs.existsSync(path.join(registry, '.pgdata.lock'))).toBe(false);

    // Reopened: the same directory starts again (and faster: no initdb).
    const third = await spawnService({ MODEL_REGISTRY_PATH: registry });
    running.push(third);
    await waitHealthy(third);
    third.child.kill('SIGINT');
    expect((await third.exited).code).toBe(0);
  });

  it('takes over a lock left by a process that no longer exists (after a crash)', async () => {
    const registry = tempDir();
    fs.mkdirSync(path.join(registry, '.pgdata'), { recursive: true });
    fs.writeFileSync(
      path.join(registry, '.pgdata.lock'),
      JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname() }),
    );
    const svc = await spawnService({ MODEL_REGISTRY_PATH: registry });
    running.push(svc);
    await waitHealthy(svc);
    svc.child.kill('SIGTERM');
    expect((await svc.exited).code).toBe(0);
  });
});

describe('ML backend at start', () => {
  it('reports the backend in the startup log and /health/ready; an explicit backend that cannot load stops the start', async () => {
    const fsMod = await import('node:fs');
    const dir = fsMod.mkdtempSync(require('node:path').join(require('node:os').tmpdir(), 'mlwb-be-'));
    try {
      const svc = await spawnService({ MODEL_REGISTRY_PATH: dir, TF_BACKEND: 'auto' });
      await waitHealthy(svc);
      const ready = (await (await fetch(`${svc.url}/health/ready`)).json()) as {
        details: { ml_backend: { name: string; status: string } };
      };
      expect(ready.details.ml_backend).toMatchObject({ status: 'up', name: 'wasm' });
      expect(svc.output()).toContain('TensorFlow.js backend: wasm');
      svc.child.kill('SIGTERM');
      await svc.exited;

      const gpu = await spawnService({ MODEL_REGISTRY_PATH: dir, TF_BACKEND: 'tensorflow-gpu' });
      const exit = await gpu.exited;
      expect(exit.code).not.toBe(0);
      expect(gpu.output()).toMatch(/tfjs-node-gpu/);
    } finally {
      fsMod.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the log stream', () => {
  it("every stdout line is JSON: tfjs's warnings while an LSTM(64) trains and is served are records with a level", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlwb-logs-'));
    const svc = await spawnService({ MODEL_REGISTRY_PATH: dir });
    try {
      await waitHealthy(svc);
      await fetch(`${svc.url}/api/v1/market-data/import?symbol=EUR/USD&timeframe=1d`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv' },
        body: dailyCsv(randomWalk(400, 5)),
      });
      // LSTM(64): its 64×256 recurrent kernel (16384 elements) makes tfjs-layers warn about its orthogonal initialiser.
      const body = {
        name: 'Loud',
        model_type: 'time_series',
        architecture: 'lstm',
        features: ['returns_1', 'returns_5'],
        target: 'price_change_1d',
        symbols: ['EUR/USD'],
        start_date: '2000-01-01T00:00:00Z',
        end_date: '2010-01-01T00:00:00Z',
        timeframe: '1d',
        window: 10,
        hyperparameters: { units: 64, epochs: 1, batch_size: 32 },
      };
      const accepted = await fetch(`${svc.url}/api/v1/models/train`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(accepted.status).toBe(202);
      const { job_id } = (await accepted.json()) as { job_id: string };
      let job: { status: string } = { status: 'queued' };
      for (let i = 0; i < 600 && !['succeeded', 'failed', 'cancelled'].includes(job.status); i++) {
        await new Promise((r) => setTimeout(r, 100));
        job = (await (await fetch(`${svc.url}/api/v1/training/jobs/${job_id}`)).json()) as typeof job;
      }
      expect(job.status).toBe('succeeded');
      // Served from the main thread (tfjs there too): its output stays JSON as well.
      const predicted = await fetch(`${svc.url}/api/v1/models/loud/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ symbol: 'EUR/USD', timeframe: '1d' }),
      });
      expect(predicted.status).toBe(200);
      svc.child.kill('SIGTERM');
      expect((await svc.exited).code).toBe(0);

      const lines = svc
        .stdout()
        .split('\n')
        .filter((l) => l.trim() !== '');
      const notJson = lines.filter((l) => {
        try {
          return typeof JSON.parse(l) !== 'object';
        } catch {
          return true;
        }
      });
      expect(notJson).toEqual([]);
      const records = lines.map(
        (l) => JSON.parse(l) as { level: string; msg?: string; job_id?: string; context?: string },
      );
      const orthogonal = records.filter((r) =>
        /Orthogonal initializer is being called on a matrix with more than 2000 \(16384\) elements/.test(r.msg ?? ''),
      );
      expect(orthogonal.length).toBeGreaterThanOrEqual(1);
      expect(orthogonal.find((r) => r.job_id === job_id)).toMatchObject({
        level: 'warn',
        context: 'TrainingRunner',
        source: 'training-thread',
      });
    } finally {
      if (svc.child.exitCode === null) svc.child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('crash recovery of training jobs', () => {
  it("a job whose process is SIGKILLed mid-training is retried after a restart and succeeds; its row never stays running; the retry's history starts afresh", async () => {
    const fsMod = await import('node:fs');
    const dir = fsMod.mkdtempSync(require('node:path').join(require('node:os').tmpdir(), 'mlwb-crash-'));
    const env = { MODEL_REGISTRY_PATH: dir, TRAINING_HEARTBEAT_SECONDS: '10' };
    try {
      const first = await spawnService(env);
      await waitHealthy(first);
      await fetch(`${first.url}/api/v1/market-data/import?symbol=EUR/USD&timeframe=1d`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv' },
        body: dailyCsv(randomWalk(1600, 11)),
      });
      const body = {
        name: 'Crashy',
        model_type: 'time_series',
        features: ['returns_1', 'returns_5'],
        target: 'price_change_1d',
        symbols: ['EUR/USD'],
        start_date: '2000-01-01T00:00:00Z',
        end_date: '2010-01-01T00:00:00Z',
        timeframe: '1d',
        window: 10,
        hyperparameters: { units: 16, epochs: 12, batch_size: 16, early_stopping_patience: 1000 },
      };
      const { job_id } = (await (
        await fetch(`${first.url}/api/v1/models/train`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).json()) as { job_id: string };
      // Killed once the first attempt has logged epochs to the run: the retry must not append to them.
      for (let i = 0; i < 400; i++) {
        const job = (await (await fetch(`${first.url}/api/v1/training/jobs/${job_id}`)).json()) as {
          status: string;
          run_id: string;
        };
        const run = (await (await fetch(`${first.url}/api/v1/runs/${job.run_id}`)).json()) as {
          metric_history: { loss?: unknown[] };
        };
        if (job.status === 'running' && (run.metric_history.loss?.length ?? 0) >= 2) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      first.child.kill('SIGKILL');
      await first.exited;

      const second = await spawnService(env);
      try {
        await waitHealthy(second);
        let job:
          { status: string; attempts: number; error: string | null; note: string | null; run_id: string } | undefined;
        for (let i = 0; i < 600; i++) {
          job = (await (await fetch(`${second.url}/api/v1/training/jobs/${job_id}`)).json()) as typeof job;
          if (['succeeded', 'failed'].includes(job!.status)) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        expect(job).toMatchObject({
          status: 'succeeded',
          attempts: 2,
          error: null,
          note: expect.stringMatching(
            /^retry 1 after an interrupted attempt \(attempt 1 was interrupted: its worker stopped or crashed/,
          ),
        });
        const run = (await (await fetch(`${second.url}/api/v1/runs/${job!.run_id}`)).json()) as {
          tags: Record<string, string>;
          metric_history: Record<string, Array<{ step: number }>>;
        };
        expect(run.tags.attempt).toBe('2');
        expect(run.metric_history.loss.map((p) => p.step)).toEqual(Array.from({ length: 12 }, (_, i) => i));
        const version = (await (await fetch(`${second.url}/api/v1/models/crashy/versions/1.0.0`)).json()) as {
          status: string;
        };
        expect(version.status).toBe('experimental');
      } finally {
        second.child.kill('SIGTERM');
        await second.exited;
      }
    } finally {
      fsMod.rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
