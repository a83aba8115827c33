import { randomUUID } from 'node:crypto';
import { foldQueueId } from '../src/training/queue/training-queue';
import type { TrainingJob } from '../src/training/training-job.entity';
import { FoldJobsRepository } from '../src/training/walk-forward/fold-jobs.repository';
import { loadFold, storeFold, type FoldResult } from '../src/training/walk-forward/fold-result';
import { WalkForwardJobs } from '../src/training/walk-forward/walk-forward-jobs';
import { importDaily, waitForJob } from './support/jobs';
import { dailyCsv, meanReverting } from './support/series';
import { startTestApp, type TestApp } from './support/test-app';
import { DAILY_TIME_SERIES_REQUEST } from './support/train-request';

/**
 * The walk-forward fold store (`walk_forward_folds`) on the database the suite runs on: a
 * retried parent does not add folds, a retried fold does not replace the result stored first,
 * a final fold does not start again, and a stored result comes back from the row bit for bit.
 * And through the API: a fold that fails fails its job with the fold's reason.
 */
function sampleFold(fold: number): FoldResult {
  const f = (...v: number[]) => Float64Array.from(v);
  return {
    test: {
      count: 3,
      windows: new Float32Array(0),
      targets: f(0.1 + 0.2, -1e-300, 5e-324),
      timestamps: [1, 2, 3],
      symbols: ['EUR/USD', 'EUR/USD', 'EUR/USD'],
      windowStart: [0, 1, 2],
      targetEnd: [2, 3, 4],
    },
    prediction: f(Math.PI, -0, NaN),
    baselines: {
      naive_zero: f(0, 0, 0),
      naive_last: f(1 / 3, 2 / 3, 1),
      ridge: f(Infinity, -Infinity, 1e308),
      ridgeSelection: {
        model: { lambda: 10, intercept: 1e-17, coefficients: f(0.5, Math.E) },
        validation: [{ lambda: 10, mse: 0.25 }],
        selected_on: 'validation',
      },
    },
    report: {
      fold,
      train_start: '2000-01-01T00:00:00.000Z',
      train_end: '2001-01-01T00:00:00.000Z',
      test_start: '2001-02-01T00:00:00.000Z',
      test_end: '2001-03-01T00:00:00.000Z',
      n: 3,
      train_samples: 100,
      validation_samples: 20,
      metrics: { mse: 0.1 + 0.2, ic: -0.123456789012345 },
      baselines: { ridge: { mse: 1 / 7 } },
    },
  };
}

describe('walk-forward fold store', () => {
  let t: TestApp;
  let folds: FoldJobsRepository;
  beforeAll(async () => {
    t = await startTestApp({ MAX_TRAINING_MEMORY: '8' });
    folds = t.app.get(FoldJobsRepository);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const enqueue = (jobId: string, n: number) =>
    folds.enqueue(
      jobId,
      Array.from({ length: n }, (_, i) => ({ fold: i + 1, queueId: foldQueueId(jobId, i + 1) })),
    );

  it('keeps one row per (job, fold) and the first final state of each; results round-trip exactly', async () => {
    const jobId = randomUUID();
    await enqueue(jobId, 2);
    expect(await folds.start(jobId, 1, 'w1')).toBe(true);
    // A retried parent queues its folds again: the rows stay as they are.
    await enqueue(jobId, 2);
    expect((await folds.summaries(jobId)).map((r) => [r.fold, r.status, r.attempts, r.worker])).toEqual([
      [1, 'running', 1, 'w1'],
      [2, 'queued', 0, null],
    ]);
    // Its worker died: the retry starts the fold again (attempt 2) and stores the result.
    expect(await folds.start(jobId, 1, 'w2')).toBe(true);
    const first = sampleFold(1);
    expect(await folds.end(jobId, 1, { status: 'succeeded', result: storeFold(first) })).toBe(true);
    // A duplicate delivery of the same fold: it neither starts nor replaces the stored result.
    expect(await folds.start(jobId, 1, 'w3')).toBe(false);
    const other = storeFold({ ...sampleFold(1), prediction: Float64Array.from([0, 0, 0]) });
    expect(await folds.end(jobId, 1, { status: 'failed', error: 'late' })).toBe(false);
    expect(await folds.end(jobId, 1, { status: 'succeeded', result: other })).toBe(false);
    const [stored] = await folds.results(jobId);
    const back = loadFold(stored.result);
    expect(back).toEqual(first);
    expect(Object.is(back.prediction[1], -0)).toBe(true);
    expect(back.baselines.ridgeSelection.model.coefficients).toEqual(first.baselines.ridgeSelection.model.coefficients);
    // Folds not started are cancelled by name (their queue ids come back for pg-boss).
    expect(await folds.cancelQueued(jobId, 'the job was cancelled')).toEqual([foldQueueId(jobId, 2)]);
    expect((await folds.summaries(jobId)).map((r) => [r.fold, r.status, r.attempts, r.worker, r.error])).toEqual([
      [1, 'succeeded', 2, 'w2', null],
      [2, 'cancelled', 0, null, 'the job was cancelled'],
    ]);
    expect(await folds.start(jobId, 2, 'w1')).toBe(false);
  });

  it("the continuation fails with the failed fold's reason, and cancels the folds not started", async () => {
    const jobId = randomUUID();
    await enqueue(jobId, 3);
    await folds.start(jobId, 1, 'w1');
    await folds.end(jobId, 1, { status: 'succeeded', result: storeFold(sampleFold(1)) });
    await folds.start(jobId, 2, 'w1');
    await folds.end(jobId, 2, { status: 'failed', error: 'training failed: out of memory' });
    const parent = { id: jobId, request: { evaluation: { folds: 3 } } } as unknown as TrainingJob;
    await expect(t.app.get(WalkForwardJobs).collect(parent)).rejects.toThrow(
      'walk-forward fold 2 failed: training failed: out of memory',
    );
    expect((await folds.summaries(jobId)).map((r) => r.status)).toEqual(['succeeded', 'failed', 'cancelled']);
  });

  it("a fold that fails fails its job with the fold's reason", async () => {
    await importDaily(t, 'GBP/USD', dailyCsv(meanReverting(1200, 5)));
    const res = await t.fetch('/api/v1/models/train', {
      method: 'POST',
      json: {
        ...DAILY_TIME_SERIES_REQUEST,
        name: 'WF failing fold',
        symbols: ['GBP/USD'],
        hyperparameters: { units: 4, epochs: 2, batch_size: 64 },
        evaluation: { method: 'walk_forward', folds: 3 },
      },
    });
    expect(res.status).toBe(202);
    const accepted = await res.json();
    // Accepted (the data was there); the bars are gone by the time the folds build their datasets.
    expect((await t.fetch('/api/v1/market-data?symbol=GBP/USD&timeframe=1d', { method: 'DELETE' })).status).toBe(200);
    const job = await waitForJob(t, accepted.job_id, 120_000);
    expect(job).toMatchObject({ status: 'failed', error: expect.stringMatching(/^walk-forward fold \d failed: \S/) });
    const failed = job.fold_jobs.find((f: { status: string }) => f.status === 'failed');
    expect(job.error).toBe(`walk-forward fold ${failed.fold} failed: ${failed.error}`);
    expect(job.fold_jobs.every((f: { status: string }) => f.status !== 'queued')).toBe(true);
  }, 150_000);
});
