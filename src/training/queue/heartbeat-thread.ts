/**
 * Entry point of the job-heartbeat thread (PostgreSQL only). It refreshes the pg-boss
 * heartbeat of the training jobs this process holds, on a connection of its own, so a job
 * stays claimed while the main thread is busy (a long evaluation on a big dataset): pg-boss's
 * own heartbeat is a timer on the main thread and stops with it. The SQL is pg-boss's own
 * (its touch plan, fenced to the attempt this process fetched), so it follows the installed
 * version. It stops touching when the main thread has shown no sign of life for
 * `stallLimitMs`: a process whose event loop is stuck for good must lose its jobs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Client } from 'pg';

export interface HeartbeatInit {
  connectionString: string;
  schema: string;
  queue: string;
  intervalMs: number;
  stallLimitMs: number;
  /** Float64 [0]: Date.now() of the main thread's last sign of life. */
  alive: SharedArrayBuffer;
}

export type HeartbeatCommand = { hold: { id: string; retryCount: number } } | { release: string };
export type HeartbeatEvent =
  { type: 'touched'; ids: string[] } | { type: 'skipped'; stalledMs: number } | { type: 'error'; message: string };

// pg-boss ships ESM only; Node >= 20.19 loads it through require(esm).
const plans = require('pg-boss/dist/plans.js') as {
  touchJobs(schema: string, table: string, fenced: boolean): string;
  attemptPairs(ids: string[], attempts: number[]): string[];
};

const init = workerData as HeartbeatInit;
const alive = new Float64Array(init.alive);
const held = new Map<string, number>();
let client: Client | undefined;
let table: string | undefined;
let running = false;
const post = (e: HeartbeatEvent) => parentPort!.postMessage(e);

parentPort!.on('message', (m: HeartbeatCommand) => {
  if ('hold' in m) held.set(m.hold.id, m.hold.retryCount);
  else held.delete(m.release);
});

async function connection(): Promise<Client> {
  if (client) return client;
  const c = new Client({ connectionString: init.connectionString, application_name: 'ml-workbench-heartbeat' });
  c.on('error', () => (client = undefined));
  await c.connect();
  client = c;
  return c;
}

async function beat(): Promise<void> {
  if (!held.size || running) return;
  const stalledMs = Date.now() - alive[0];
  if (stalledMs > init.stallLimitMs) return post({ type: 'skipped', stalledMs });
  running = true;
  try {
    const c = await connection();
    table ??= (
      await c.query<{ table_name: string }>(`SELECT table_name FROM ${init.schema}.queue WHERE name = $1`, [init.queue])
    ).rows[0]?.table_name;
    if (!table) return;
    const ids = [...held.keys()];
    const result = await c.query<{ ids: string[] | null }>(plans.touchJobs(init.schema, table, true), [
      init.queue,
      ids,
      plans.attemptPairs(
        ids,
        ids.map((id) => held.get(id)!),
      ),
    ]);
    post({ type: 'touched', ids: result.rows[0]?.ids ?? [] });
  } catch (e) {
    client?.end().catch(() => undefined);
    client = undefined;
    post({ type: 'error', message: (e as Error).message });
  } finally {
    running = false;
  }
}

setInterval(() => void beat(), init.intervalMs);
