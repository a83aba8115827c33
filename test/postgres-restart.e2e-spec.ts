import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnService, waitHealthy, type ServiceProcess } from './support/service-process';
import { createScratchDatabase, postgresReachable, realPostgresUrl } from './support/test-database';
import { dailyCsv, randomWalk } from './support/series';

/**
 * The PostgreSQL server itself is stopped and started again under a running service (a
 * managed database's maintenance restart or failover). Needs the local cluster and the
 * right to control it (`pg_ctlcluster`, as in CI); skipped with a message otherwise.
 */
const KEY = 'restart-test-key';
const auth = { 'x-api-key': KEY };

/** The local cluster serving the test URL's port (pg_lsclusters: version, name, port, …). */
function localCluster(): { version: string; name: string } | undefined {
  try {
    const url = new URL(realPostgresUrl());
    if (!['127.0.0.1', 'localhost', ''].includes(url.hostname)) return undefined;
    const port = url.port || '5432';
    const rows = execFileSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/));
    const row = rows.find((r) => r[2] === port);
    return row ? { version: row[0], name: row[1] } : undefined;
  } catch {
    return undefined;
  }
}

const pgctl = (cluster: { version: string; name: string }, action: 'stop' | 'start') =>
  execFileSync(
    'pg_ctlcluster',
    ['--skip-systemctl-redirect', cluster.version, cluster.name, action, ...(action === 'stop' ? ['-m', 'fast'] : [])],
    { stdio: 'pipe', timeout: 60_000 },
  );

async function timed(url: string, init?: RequestInit): Promise<{ status: number; ms: number; body: any }> {
  const started = Date.now();
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, ms: Date.now() - started, body };
}

describe('PostgreSQL restarted under the running service', () => {
  const cluster = localCluster();
  let available = false;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>> | undefined;
  let registry = '';
  let svc: ServiceProcess | undefined;

  beforeAll(async () => {
    available = !!cluster && (await postgresReachable(realPostgresUrl()));
    if (!available) {
      console.warn(
        `PostgreSQL restart test skipped: needs the local cluster at ${realPostgresUrl()} and pg_ctlcluster`,
      );
      return;
    }
    scratch = await createScratchDatabase(realPostgresUrl());
    registry = fs.mkdtempSync(path.join(os.tmpdir(), 'mlwb-pgrestart-'));
    svc = await spawnService({
      DATABASE_URL: scratch.url,
      MODEL_REGISTRY_PATH: registry,
      API_KEY: KEY,
      RATE_LIMIT_PER_MINUTE: '0',
      DATABASE_POOL_SIZE: '4',
    });
    await waitHealthy(svc, 90_000);
  });
  afterAll(async () => {
    if (cluster && !(await postgresReachable(realPostgresUrl()))) pgctl(cluster, 'start');
    if (svc && svc.child.exitCode === null) {
      svc.child.kill('SIGTERM');
      await svc.exited;
    }
    await scratch?.drop();
    if (registry) fs.rmSync(registry, { recursive: true, force: true });
  });

  it('answers 503 quickly while the server is down and recovers by itself (reads, writes, training) once it is back', async () => {
    if (!available) return;
    const url = svc!.url;
    expect((await timed(`${url}/health/ready`)).status).toBe(200);
    const imported = await timed(`${url}/api/v1/market-data/import?symbol=EUR/USD&timeframe=1d`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'text/csv' },
      body: dailyCsv(randomWalk(600, 5)),
    });
    expect(imported.status).toBe(200);

    try {
      pgctl(cluster!, 'stop');
      // Probes: ready turns 503 within its deadline; live stays 200 (no restart loop from Kubernetes).
      const ready = await timed(`${url}/health/ready`);
      expect(ready.status).toBe(503);
      expect(ready.ms).toBeLessThan(5000);
      expect(ready.body).toMatchObject({
        error_code: 'SERVICE_UNAVAILABLE',
        details: { error: { database: { status: 'down' } } },
      });
      expect((await timed(`${url}/health/live`)).status).toBe(200);
      // API requests: the 503 envelope, not a hang and not a 500.
      for (const [method, route] of [
        ['GET', '/api/v1/models'],
        ['GET', '/api/v1/training/jobs'],
        ['GET', '/api/v1/market-data?symbol=EUR/USD&timeframe=1d'],
      ] as const) {
        const r = await timed(`${url}${route}`, { method, headers: auth });
        expect({ route, status: r.status }).toEqual({ route, status: 503 });
        expect(r.ms).toBeLessThan(10_000);
        console.log(`PostgreSQL down: ${method} ${route} answered ${r.status} in ${r.ms} ms`);
        expect(r.body).toMatchObject({ error_code: 'DATABASE_UNAVAILABLE', correlation_id: expect.any(String) });
      }
    } finally {
      pgctl(cluster!, 'start');
    }

    // Back: readiness returns without restarting the service, then reads, writes and the queue work.
    const started = Date.now();
    let status = 0;
    while (status !== 200 && Date.now() - started < 60_000) {
      status = (await timed(`${url}/health/ready`)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(200);
    console.log(`PostgreSQL restart: /health/ready 200 again ${Date.now() - started} ms after the server started`);
    expect((await timed(`${url}/api/v1/models`, { headers: auth })).status).toBe(200);
    const accepted = await timed(`${url}/api/v1/models/train`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'After restart',
        model_type: 'time_series',
        features: ['returns_1'],
        target: 'price_change_1d',
        symbols: ['EUR/USD'],
        start_date: '2000-01-01T00:00:00Z',
        end_date: '2010-01-01T00:00:00Z',
        timeframe: '1d',
        window: 5,
        hyperparameters: { units: 4, epochs: 1, batch_size: 32 },
      }),
    });
    expect(accepted.status).toBe(202);
    let job: any;
    for (let i = 0; i < 300; i++) {
      job = (await timed(`${url}/api/v1/training/jobs/${accepted.body.job_id}`, { headers: auth })).body;
      if (['succeeded', 'failed', 'cancelled'].includes(job.status)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(job).toMatchObject({ status: 'succeeded' });
    expect(svc!.child.exitCode).toBeNull();
  }, 240_000);
});
