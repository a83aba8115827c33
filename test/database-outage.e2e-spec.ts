import { Client } from 'pg';
import { ProbeModule } from './support/probe.module';
import { startTestApp, type TestApp } from './support/test-app';
import { createScratchDatabase, postgresReachable, realPostgresUrl } from './support/test-database';

/**
 * A real outage of the service's database: its PostgreSQL database stops accepting
 * connections and existing ones are terminated, as during a failover or restart.
 * Needs a real server (the local one, or TEST_DATABASE_URL's).
 */
describe('database outage', () => {
  let t: TestApp | undefined;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>> | undefined;
  let admin: Client;
  let available = false;

  beforeAll(async () => {
    available = await postgresReachable(realPostgresUrl());
    if (!available) {
      console.warn(`database outage test skipped: no PostgreSQL at ${realPostgresUrl()}`);
      return;
    }
    scratch = await createScratchDatabase(realPostgresUrl());
    t = await startTestApp({ DATABASE_URL: scratch.url, DATABASE_POOL_SIZE: '2' }, { imports: [ProbeModule] });
    admin = new Client({ connectionString: realPostgresUrl() });
    await admin.connect();
  });
  afterAll(async () => {
    if (!available) return;
    await admin.query(`ALTER DATABASE ${scratch!.name} ALLOW_CONNECTIONS true`).catch(() => undefined);
    await t?.close();
    await admin.end();
    await scratch?.drop();
  });

  it('/health turns 503 unhealthy while the database is down, /health/live stays 200, and both recover', async () => {
    if (!available) return;
    expect((await t!.fetch('/health')).status).toBe(200);

    await admin.query(`ALTER DATABASE ${scratch!.name} ALLOW_CONNECTIONS false`);
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [scratch!.name]);

    const started = Date.now();
    const down = await t!.fetch('/health');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(down.status).toBe(503);
    const body = await down.json();
    expect(body.status).toBe('unhealthy');
    expect(body.version).toBe(require('../package.json').version);
    expect(body.details.database.status).toBe('down');

    const ready = await t!.fetch('/health/ready');
    expect(ready.status).toBe(503);
    expect((await t!.fetch('/health/live')).status).toBe(200);

    await admin.query(`ALTER DATABASE ${scratch!.name} ALLOW_CONNECTIONS true`);
    let recovered = 0;
    for (let i = 0; i < 50 && recovered !== 200; i++) {
      recovered = (await t!.fetch('/health')).status;
      if (recovered !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(recovered).toBe(200);
  });
});

describe('graceful shutdown', () => {
  it('finishes an in-flight request before the application closes', async () => {
    const t = await startTestApp({}, { imports: [ProbeModule] });
    const inFlight = t.fetch('/api/v1/__probe/slow');
    await new Promise((r) => setTimeout(r, 100));
    const closing = t.close();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ finished: true });
    await closing;
  });
});
