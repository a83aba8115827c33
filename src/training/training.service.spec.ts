import { AppConfig } from '../config/app-config';
import { ConflictError, NotFoundError } from '../common/errors/app-error';
import type { ExperimentsService } from '../experiments/experiments.service';
import type { FeaturesService } from '../features/features.service';
import type { ModelsService } from '../models/models.service';
import type { DataSource } from 'typeorm';
import type { TrainingQueue } from './queue/training-queue';
import { InMemoryTrainingJobsRepository } from './testing/in-memory-training-jobs.repository';
import { RecordingBus } from './testing/recording-bus';
import { TrainingService } from './training.service';
import type { WalkForwardJobs } from './walk-forward/walk-forward-jobs';

const request = { modelType: 'time_series', features: ['returns_1'], hyperparameters: { epochs: 5 } };

function setup() {
  const jobs = new InMemoryTrainingJobsRepository();
  const bus = new RecordingBus(jobs);
  const cancelledInQueue: string[] = [];
  const queue = { cancel: (id: string) => Promise.resolve(void cancelledInQueue.push(id)) } as unknown as TrainingQueue;
  const service = new TrainingService(
    {} as DataSource,
    jobs,
    AppConfig.fromEnv({}),
    {} as FeaturesService,
    {} as ModelsService,
    {} as ExperimentsService,
    queue,
    bus.asBus(),
    // Walk-forward jobs only (test/walk-forward*.e2e-spec.ts).
    {} as WalkForwardJobs,
  );
  const seed = (fields: Parameters<InMemoryTrainingJobsRepository['seed']>[0]['status'] = 'queued', model = 'eurusd') =>
    jobs.seed({ model_id: model, version: '1', model_type: 'time_series', request, run_id: 'run-1', status: fields });
  return { jobs, bus, service, seed, cancelledInQueue };
}

describe('TrainingService (jobs as a client sees them)', () => {
  it('answers 404 JOB_NOT_FOUND for an unknown id and for something that is not an id', async () => {
    const { service } = setup();
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const err = await service.get(id).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotFoundError);
      expect((err as NotFoundError).errorCode).toBe('JOB_NOT_FOUND');
    }
  });

  it('lists newest first, filtered by status and model, with the total and the page asked for', async () => {
    const { service, seed } = setup();
    const a = seed('succeeded', 'eurusd');
    const b = seed('failed', 'eurusd');
    const c = seed('succeeded', 'gbpusd');
    const d = seed('succeeded', 'eurusd');
    const all = await service.list({});
    expect(all.jobs.map((j) => j.id)).toEqual([d.id, c.id, b.id, a.id]);
    expect(all).toMatchObject({ total: 4, limit: 50, offset: 0 });
    const page = await service.list({ status: 'succeeded', model_id: 'eurusd', limit: 1, offset: 1 });
    expect(page.jobs.map((j) => j.id)).toEqual([a.id]);
    expect(page).toMatchObject({ total: 2, limit: 1, offset: 1 });
  });

  it('cancels a queued job at once: cancelled, off the queue, and the version and run told before the answer', async () => {
    const { service, seed, bus, cancelledInQueue } = setup();
    const job = seed('queued');
    const view = await service.cancel(job.id);
    expect(view).toMatchObject({ status: 'cancelled', cancel_requested: true, error: null });
    expect(view.progress.phase).toBe('cancelled');
    expect(view.finished_at).not.toBeNull();
    expect(cancelledInQueue).toEqual([job.id]);
    expect(bus.published).toEqual([
      {
        name: 'training.job.failed',
        payload: {
          jobId: job.id,
          modelId: 'eurusd',
          version: '1',
          runId: 'run-1',
          reason: 'cancelled',
          error: null,
          durationMs: null,
        },
        jobStatusThen: 'cancelled',
      },
    ]);
  });

  it('asks a running job to stop (it stays running until the worker sees the flag) and tells nobody yet', async () => {
    const { service, seed, bus, jobs } = setup();
    const job = seed('running');
    const view = await service.cancel(job.id);
    expect(view).toMatchObject({ status: 'running', cancel_requested: true });
    expect(jobs.row(job.id)).toMatchObject({ status: 'running', cancel_requested: true });
    expect(bus.published).toEqual([]);
  });

  it('answers 409 JOB_FINISHED for a finished job and changes nothing', async () => {
    const { service, seed, jobs, bus } = setup();
    for (const status of ['succeeded', 'failed', 'cancelled'] as const) {
      const job = seed(status);
      const err = await service.cancel(job.id).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConflictError);
      expect((err as ConflictError).errorCode).toBe('JOB_FINISHED');
      expect(jobs.row(job.id)).toMatchObject({ status, cancel_requested: false });
    }
    expect(bus.published).toEqual([]);
  });

  it('counts jobs by status (the metrics gauge)', async () => {
    const { service, seed } = setup();
    seed('queued');
    seed('succeeded');
    seed('succeeded');
    const counts = await service.countByStatus();
    expect(Object.fromEntries(counts.map((c) => [c.status, c.n]))).toEqual({ queued: 1, succeeded: 2 });
  });
});
