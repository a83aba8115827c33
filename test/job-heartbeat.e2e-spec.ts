/**
 * Training-job heartbeats on PostgreSQL come from a thread of their own, so a job stays
 * claimed while the main thread is busy — and stops being refreshed when the main thread
 * looks stuck for good. Always on the real server (realPostgresUrl): the embedded database
 * lives on the main thread, where no second thread can reach it.
 */
import type { PgBoss } from 'pg-boss';
import { Client } from 'pg';
import { JobHeartbeat } from '../src/training/queue/job-heartbeat';
import type { HeartbeatEvent } from '../src/training/queue/heartbeat-thread';
import { createScratchDatabase, realPostgresUrl } from './support/test-database';

/** Holds the main thread, as a long synchronous computation would. */
function block(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}

describe('job heartbeat thread (PostgreSQL)', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let boss: PgBoss;
  let db: Client;
  let table: string;

  beforeAll(async () => {
    scratch = await createScratchDatabase(realPostgresUrl());
    const { PgBoss: Boss } = require('pg-boss') as typeof import('pg-boss');
    boss = new Boss({ connectionString: scratch.url, schema: 'pgboss', supervise: false, schedule: false, max: 2 });
    await boss.start();
    await boss.createQueue('training', { heartbeatSeconds: 10, expireInSeconds: 3600 });
    db = new Client({ connectionString: scratch.url });
    await db.connect();
    table = (await db.query(`SELECT table_name FROM pgboss.queue WHERE name = 'training'`)).rows[0].table_name;
  });
  afterAll(async () => {
    await db?.end();
    await boss?.stop({ graceful: false, timeout: 1000 });
    await scratch?.drop();
  });

  const heartbeatOf = async (id: string) =>
    (await db.query(`SELECT heartbeat_on FROM pgboss.${table} WHERE id = $1`, [id])).rows[0].heartbeat_on as Date;
  const claim = async () => {
    const id = (await boss.send('training', { job_id: 'x' }))!;
    const [job] = await boss.fetch('training');
    expect(job.id).toBe(id);
    return job as unknown as { id: string; retryCount: number };
  };
  const nextEvent = (hb: JobHeartbeat, type: HeartbeatEvent['type']) =>
    new Promise<HeartbeatEvent>((resolve) => {
      const off = hb.onEvent((e) => e.type === type && (off(), resolve(e)));
    });

  it('refreshes the claim while the main thread is blocked', async () => {
    const job = await claim();
    const hb = new JobHeartbeat({
      connectionString: scratch.url,
      schema: 'pgboss',
      queue: 'training',
      intervalMs: 150,
      stallLimitMs: 60_000,
    });
    try {
      hb.hold(job);
      await nextEvent(hb, 'touched');
      const before = (await db.query('SELECT now() AS t')).rows[0].t as Date;
      block(1500);
      const after = await heartbeatOf(job.id);
      // Written during the block: nothing on this thread could have.
      expect(after.getTime()).toBeGreaterThan(before.getTime() + 500);
      hb.release(job.id);
    } finally {
      await hb.stop();
    }
  });

  it('lets go of the claim when the main thread shows no sign of life past the stall limit', async () => {
    const job = await claim();
    const hb = new JobHeartbeat({
      connectionString: scratch.url,
      schema: 'pgboss',
      queue: 'training',
      intervalMs: 150,
      stallLimitMs: 1200,
    });
    try {
      const events: HeartbeatEvent[] = [];
      hb.onEvent((e) => events.push(e));
      hb.hold(job);
      await nextEvent(hb, 'touched');
      const before = (await db.query('SELECT now() AS t')).rows[0].t as Date;
      block(3500);
      const last = await heartbeatOf(job.id);
      const end = (await db.query('SELECT now() AS t')).rows[0].t as Date;
      // Refreshed at most until the stall limit (plus the 1 s liveness pulse), not to the end of the block.
      expect(last.getTime()).toBeLessThan(end.getTime() - 1000);
      expect(last.getTime()).toBeGreaterThanOrEqual(before.getTime() - 200);
      await new Promise((r) => setTimeout(r, 50));
      expect(events.some((e) => e.type === 'skipped')).toBe(true);
    } finally {
      await hb.stop();
    }
  });

  it('does not refresh an attempt it does not hold (the fence: a retried job belongs to its new attempt)', async () => {
    const job = await claim();
    const hb = new JobHeartbeat({
      connectionString: scratch.url,
      schema: 'pgboss',
      queue: 'training',
      intervalMs: 150,
      stallLimitMs: 60_000,
    });
    try {
      hb.hold({ id: job.id, retryCount: job.retryCount + 1 });
      const e = await nextEvent(hb, 'touched');
      expect(e).toEqual({ type: 'touched', ids: [] });
    } finally {
      await hb.stop();
    }
  });
});
