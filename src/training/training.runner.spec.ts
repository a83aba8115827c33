import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import type { FeaturesService } from '../features/features.service';
import type { ModelArtifacts } from '../models/artifacts';
import type { JobThreads } from './job-threads';
import type { TrainingQueue } from './queue/training-queue';
import { InMemoryTrainingJobsRepository } from './testing/in-memory-training-jobs.repository';
import { RecordingBus } from './testing/recording-bus';
import { TRAINERS, type NetworkRun, type Trainer, type TrainerContext, type TrainerOutcome } from './trainers';
import { TrainingEvents, type JobFinishedEvent } from './training-events';
import type { FoldRunner } from './walk-forward/fold-runner';
import type { WalkForwardJobs } from './walk-forward/walk-forward-jobs';
import { TrainingRunner } from './training.runner';

/** What the stub trainer does when a test runs a job. */
let behaviour: (ctx: TrainerContext) => Promise<TrainerOutcome>;
const STUB = 'unit_stub';
const outcome: TrainerOutcome = { metrics: { mae: 0.5, backtest: { sharpe: 1.2 } }, baselines: {}, preprocessing: {} };

beforeAll(() => {
  // The runner logs every outcome; the assertions below are what matters here.
  Logger.overrideLogger(false);
  TRAINERS[STUB] = {
    modelType: STUB,
    architectures: ['stub'],
    defaultArchitecture: 'stub',
    progressUnit: 'epoch',
    check: () => undefined,
    train: (ctx: TrainerContext) => behaviour(ctx),
  } as unknown as Trainer;
});
afterAll(() => {
  delete TRAINERS[STUB];
  Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']);
});

function setup() {
  const registry = fs.mkdtempSync(path.join(os.tmpdir(), 'mlwb-runner-'));
  const jobs = new InMemoryTrainingJobsRepository();
  const bus = new RecordingBus(jobs);
  const events = new TrainingEvents();
  const finished: JobFinishedEvent[] = [];
  events.onFinished((e) => finished.push(e));
  const sent: string[] = [];
  const handlers: {
    work?: (job: { data: { job_id: string } }) => Promise<void>;
    dead?: (message: { job_id: string }) => Promise<void>;
  } = {};
  const queue = {
    send: (id: string) => Promise.resolve(void sent.push(id)),
    work: (_n: number, h: typeof handlers.work) => Promise.resolve(void (handlers.work = h)),
    workDeadLetters: (h: typeof handlers.dead) => Promise.resolve(void (handlers.dead = h)),
  } as unknown as TrainingQueue;
  const features = {
    buildDataset: () =>
      Promise.resolve({
        dataset: {
          fingerprint: 'fp-1',
          maxGapMs: 4 * 86_400_000,
          stats: { horizonGaps: { policy: 'keep', samples: 0, train: 0, validation: 0, test: 0 } },
        },
        series: [],
      }),
  } as unknown as FeaturesService;
  const threads = {
    runNetwork: (): Promise<Partial<NetworkRun>> =>
      Promise.resolve({ cancelled: false, history: { loss: [0.9, 0.7], val_loss: [0.6, 0.4] } }),
    progress: (id: string, patch: object) => jobs.patchProgress(id, patch),
  } as unknown as JobThreads;
  const artifacts = {
    cleanupTemp: () => Promise.resolve(),
    writeVersionArtifacts: () =>
      Promise.resolve({ checksum: 'c0ffee', manifest: { files: { 'metrics.json': {}, 'preprocessing.json': {} } } }),
  } as unknown as ModelArtifacts;
  const runner = new TrainingRunner(
    jobs,
    AppConfig.fromEnv({ MODEL_REGISTRY_PATH: registry }),
    queue,
    features,
    threads,
    artifacts,
    events,
    bus.asBus(),
    // Walk-forward jobs (their folds are queue jobs of their own): test/walk-forward*.e2e-spec.ts.
    {} as WalkForwardJobs,
    {} as FoldRunner,
  );
  const seed = (fields: Partial<Parameters<InMemoryTrainingJobsRepository['seed']>[0]> = {}) =>
    jobs.seed({
      model_id: 'eurusd',
      version: '3',
      model_type: STUB,
      request: { modelType: STUB, features: ['returns_1'], hyperparameters: { epochs: 2 }, timeframe: '1h' },
      run_id: 'run-1',
      ...fields,
    });
  return { jobs, bus, runner, seed, finished, sent, handlers, registry };
}

describe('TrainingRunner (a job from the queue to its final state)', () => {
  beforeEach(() => {
    behaviour = () => Promise.resolve(outcome);
  });

  it('runs a job to succeeded; the version and run hear of it (awaited) before the job reads succeeded', async () => {
    const { runner, seed, jobs, bus, finished } = setup();
    const job = seed();
    await runner.run(job.id);
    expect(jobs.row(job.id)).toMatchObject({ status: 'succeeded', attempts: 1, error: null, note: null });
    expect(jobs.row(job.id).progress).toMatchObject({ phase: 'done', eta_seconds: 0 });
    expect(jobs.row(job.id).worker).toMatch(/:\d+$/);
    expect(bus.names()).toEqual(['training.job.started', 'training.job.succeeded']);
    expect(bus.published[0]).toMatchObject({ payload: { attempt: 1, runId: 'run-1' }, jobStatusThen: 'running' });
    expect(bus.published[1]).toMatchObject({
      jobStatusThen: 'running',
      payload: {
        jobId: job.id,
        modelId: 'eurusd',
        version: '3',
        trialHistory: null,
        result: {
          metrics: outcome.metrics,
          dataFingerprint: 'fp-1',
          artifactChecksum: 'c0ffee',
          artifactFiles: ['metrics.json', 'preprocessing.json'],
        },
      },
    });
    expect(finished).toEqual([expect.objectContaining({ job_id: job.id, status: 'succeeded' })]);
  });

  it('fails a job whose training throws, with the reason, after telling the version and run', async () => {
    behaviour = () => Promise.reject(new Error('boom'));
    const { runner, seed, jobs, bus, finished } = setup();
    const job = seed();
    await runner.run(job.id);
    expect(jobs.row(job.id)).toMatchObject({ status: 'failed', error: 'training failed: boom', attempts: 1 });
    expect(jobs.row(job.id).progress).toMatchObject({ phase: 'failed', eta_seconds: null });
    expect(bus.published[1]).toMatchObject({
      name: 'training.job.failed',
      payload: { reason: 'failed', error: 'training failed: boom' },
      jobStatusThen: 'running',
    });
    expect(typeof (bus.published[1].payload as { durationMs: unknown }).durationMs).toBe('number');
    expect(finished).toEqual([expect.objectContaining({ status: 'failed', error: 'training failed: boom' })]);
  });

  it('still writes the job failed when a subscriber of the failure throws, then surfaces that error', async () => {
    behaviour = () => Promise.reject(new Error('boom'));
    const { runner, seed, jobs, bus } = setup();
    bus.failOn = 'training.job.failed';
    const job = seed();
    await expect(runner.run(job.id)).rejects.toThrow('a training.job.failed subscriber failed');
    expect(jobs.row(job.id)).toMatchObject({ status: 'failed', error: 'training failed: boom' });
  });

  it('hands a job back when its worker stops, and the retry counts attempt 2 with a note that quotes why', async () => {
    const { runner, seed, jobs, bus } = setup();
    const job = seed();
    const stopping = new AbortController();
    behaviour = () => {
      stopping.abort();
      return Promise.reject(new Error('stopped at the next batch'));
    };
    await runner.run(job.id, stopping.signal);
    const handedBack = jobs.row(job.id);
    expect(handedBack).toMatchObject({ status: 'queued', attempts: 1, error: null });
    expect(handedBack.note).toMatch(/^attempt 1 was handed back to the queue: worker .+ stopped$/);
    expect(bus.names()).toEqual(['training.job.started', 'training.job.requeued']);

    behaviour = () => Promise.resolve(outcome);
    await runner.run(job.id);
    const retried = jobs.row(job.id);
    expect(retried).toMatchObject({ status: 'succeeded', attempts: 2, error: null });
    expect(retried.note).toBe(`retry 1 after an interrupted attempt (${handedBack.note})`);
    expect(bus.published[2]).toMatchObject({ name: 'training.job.started', payload: { attempt: 2 } });
  });

  it('notes a retry after an attempt whose worker died without handing it back', async () => {
    const { runner, seed, jobs } = setup();
    const job = seed({ status: 'running', attempts: 2 });
    await runner.run(job.id);
    expect(jobs.row(job.id)).toMatchObject({
      status: 'succeeded',
      attempts: 3,
      note: 'retry 2 after an interrupted attempt (attempt 2 was interrupted: its worker stopped or crashed without handing it back)',
    });
  });

  it('cancels a job whose cancel was asked before it started, without starting it', async () => {
    const { runner, seed, jobs, bus, finished } = setup();
    const job = seed({ cancel_requested: true });
    await runner.run(job.id);
    expect(jobs.row(job.id)).toMatchObject({ status: 'cancelled', attempts: 0 });
    expect(bus.published).toEqual([
      expect.objectContaining({
        name: 'training.job.failed',
        payload: expect.objectContaining({ reason: 'cancelled' }),
      }),
    ]);
    expect(bus.published[0].jobStatusThen).toBe('queued');
    expect(finished).toEqual([expect.objectContaining({ status: 'cancelled' })]);
  });

  it('leaves a finished job alone', async () => {
    const { runner, seed, jobs, bus } = setup();
    const job = seed({ status: 'succeeded' });
    await runner.run(job.id);
    expect(jobs.row(job.id)).toMatchObject({ status: 'succeeded', attempts: 0 });
    expect(bus.published).toEqual([]);
  });

  it('ends a sweep trial after training: succeeded with its curves, no registered result', async () => {
    behaviour = async (ctx) => {
      await ctx.runNetwork({} as never);
      throw new Error('the trainer must not score a trial');
    };
    const { runner, seed, jobs, bus, finished } = setup();
    const sweep = { sweep_id: 's1', parent_run_id: 'p1', trial: 0 };
    const job = seed({ version: 'trial-0', request: { ...seed().request, sweep } });
    await runner.run(job.id);
    expect(jobs.row(job.id).status).toBe('succeeded');
    expect(bus.published[1]).toMatchObject({
      name: 'training.job.succeeded',
      payload: { result: null, trialHistory: { val_loss: [0.6, 0.4] } },
      jobStatusThen: 'running',
    });
    expect(finished).toEqual([expect.objectContaining({ status: 'succeeded', sweep })]);
  });

  it('at start re-sends queued jobs, and fails a job the dead-letter queue gave up on, with how often it was tried', async () => {
    const { runner, seed, jobs, bus, sent, handlers } = setup();
    const queued = seed();
    const dead = seed({ status: 'running', attempts: 5 });
    await runner.onApplicationBootstrap();
    expect(sent).toEqual([queued.id]);
    await handlers.dead!({ job_id: dead.id });
    const message = 'training was interrupted 5 time(s) (the worker stopped or crashed) and was given up';
    expect(jobs.row(dead.id)).toMatchObject({ status: 'failed', error: message, attempts: 5 });
    expect(bus.published).toEqual([
      expect.objectContaining({
        name: 'training.job.failed',
        payload: expect.objectContaining({ reason: 'interrupted', error: message, durationMs: null }),
        jobStatusThen: 'running',
      }),
    ]);
  });
});
