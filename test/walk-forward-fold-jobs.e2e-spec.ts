import { DataSource } from 'typeorm';
import { importDaily, waitForJob } from './support/jobs';
import { dailyCsv, meanReverting } from './support/series';
import { startTestApp, type TestApp } from './support/test-app';
import { DAILY_TIME_SERIES_REQUEST } from './support/train-request';

/**
 * Issue #15: the folds of a walk-forward job run as queue jobs of their own. With two training
 * slots (TRAINING_CONCURRENCY=2) two folds train at the same time; each fold is a pg-boss job
 * with its own id and a `walk_forward_folds` row holding its result, which is what the version's
 * report says of the fold; the user still sees one job, with the folds as its `fold_jobs`, and
 * cancelling it cancels its folds.
 */
type FoldJob = {
  fold: number;
  queue_job_id: string;
  status: string;
  worker: string | null;
  attempts: number;
  started_at: string | null;
  finished_at: string | null;
};

describe('walk-forward folds as queue jobs', () => {
  let t: TestApp;
  const FOLDS = 3;
  const body = {
    ...DAILY_TIME_SERIES_REQUEST,
    name: 'WF jobs',
    architecture: 'gru',
    symbols: ['GBP/USD'],
    hyperparameters: { units: 4, epochs: 4, batch_size: 64 },
    evaluation: { method: 'walk_forward', folds: FOLDS, train_window: 'expanding' },
  };
  const submit = async (b: Record<string, unknown>) => {
    const res = await t.fetch('/api/v1/models/train', { method: 'POST', json: b });
    expect(res.status).toBe(202);
    return (await res.json()) as { job_id: string; model_id: string; version: string };
  };
  const job = async (id: string) => (await t.fetch(`/api/v1/training/jobs/${id}`)).json();
  const db = () => t.app.get(DataSource);

  beforeAll(async () => {
    t = await startTestApp({ MAX_TRAINING_MEMORY: '8', TRAINING_CONCURRENCY: '2' });
    await importDaily(t, 'GBP/USD', dailyCsv(meanReverting(1200, 5)));
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('trains the folds as separate queue jobs, two at a time, and the version reports what they stored', async () => {
    const accepted = await submit(body);
    // Polled while it runs: the parent's progress counts the folds done.
    const seen = new Set<number>();
    let final: Record<string, any>;
    for (const deadline = Date.now() + 300_000; ;) {
      final = await job(accepted.job_id);
      if (final.progress.folds_done !== undefined) seen.add(final.progress.folds_done);
      if (['succeeded', 'failed', 'cancelled'].includes(final.status)) break;
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(final).toMatchObject({ status: 'succeeded', attempts: 1, progress: { folds: FOLDS, folds_done: FOLDS } });
    expect(Math.max(...seen)).toBe(FOLDS);
    expect(seen.size).toBeGreaterThan(1);

    // The children: one queue job per fold, each with an id of its own, run once, all succeeded.
    const folds: FoldJob[] = final.fold_jobs;
    expect(folds.map((f) => [f.fold, f.status, f.attempts])).toEqual([
      [1, 'succeeded', 1],
      [2, 'succeeded', 1],
      [3, 'succeeded', 1],
    ]);
    const ids = folds.map((f) => f.queue_job_id);
    expect(new Set([...ids, accepted.job_id]).size).toBe(FOLDS + 1);
    for (const f of folds) expect(f.worker).toEqual(expect.any(String));
    // pg-boss knows them as jobs of the training queue, completed, each naming its fold.
    const queued = await db().query(
      `SELECT id, state, data FROM pgboss.job WHERE name = 'training' AND id = ANY($1) ORDER BY data->>'fold'`,
      [ids],
    );
    expect(queued.map((j: { state: string; data: object }) => [j.state, j.data])).toEqual(
      folds.map((f) => ['completed', { job_id: accepted.job_id, fold: f.fold }]),
    );
    // Two slots: two folds were training at the same time.
    const span = (f: FoldJob) => [Date.parse(f.started_at!), Date.parse(f.finished_at!)];
    const overlaps = folds.flatMap((a, i) =>
      folds.slice(i + 1).filter((b) => span(a)[0] < span(b)[1] && span(b)[0] < span(a)[1]),
    );
    expect(overlaps.length).toBeGreaterThan(0);

    // The version's fold entries are the stored fold results, and the combined series is all of them.
    const v = await (await t.fetch(`/api/v1/models/${accepted.model_id}/versions/${accepted.version}`)).json();
    const rows = await db().query(
      `SELECT fold, result->'report' AS report FROM walk_forward_folds WHERE job_id = $1 ORDER BY fold`,
      [accepted.job_id],
    );
    expect(v.walk_forward.folds).toEqual(rows.map((r: { report: object }) => r.report));
    expect(v.walk_forward.combined.n).toBe(v.walk_forward.folds.reduce((n: number, f: { n: number }) => n + f.n, 0));
    expect(v.metrics).toMatchObject({ evaluation: 'walk_forward', folds: FOLDS });

    // One job for the user: the folds are not listed as jobs.
    const list = await (await t.fetch(`/api/v1/training/jobs?model_id=${accepted.model_id}`)).json();
    expect(list.total).toBe(1);
  }, 330_000);

  it('cancelling the job cancels its folds (queued ones at once, running ones at their next batch)', async () => {
    const accepted = await submit({
      ...body,
      name: 'WF cancel',
      hyperparameters: { ...body.hyperparameters, epochs: 400 },
    });
    for (const deadline = Date.now() + 120_000; ;) {
      const j = await job(accepted.job_id);
      if (j.fold_jobs?.some((f: FoldJob) => f.status === 'running')) break;
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 100));
    }
    const res = await t.fetch(`/api/v1/training/jobs/${accepted.job_id}/cancel`, { method: 'POST' });
    expect(res.status).toBe(202);
    expect(await waitForJob(t, accepted.job_id, 120_000)).toMatchObject({ status: 'cancelled' });
    // Every fold ends cancelled (a running one once its thread stopped); none trains on.
    for (const deadline = Date.now() + 60_000; ;) {
      const folds: FoldJob[] = (await job(accepted.job_id)).fold_jobs;
      if (folds.every((f) => f.status === 'cancelled')) break;
      expect(folds.some((f) => f.status === 'succeeded' || f.status === 'failed')).toBe(false);
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 200));
    }
    const v = await (await t.fetch(`/api/v1/models/${accepted.model_id}/versions/${accepted.version}`)).json();
    expect(v.status).toBe('cancelled');
  }, 300_000);
});
