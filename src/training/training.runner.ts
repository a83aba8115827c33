import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DomainEventBus, type DomainEventName, type DomainEvents } from '../common/events';
import { AppError } from '../common/errors/app-error';
import { AppConfig } from '../config/app-config';
import { FeaturesService } from '../features/features.service';
import type { Timeframe } from '../market-data/timeframes';
import { ModelArtifacts } from '../models/artifacts';
import { TrainingQueue } from './queue/training-queue';
import { TrainingThreadError } from './thread/training-thread.runner';
import type { TrainingJob } from './training-job.entity';
import { TrainingJobsRepository, type JobEnd } from './training-jobs.repository';
import { startProgress, type JobProgress } from './job-progress';
import { JobThreads, reportedBackend } from './job-threads';
import { sweepRefOf, TrainingEvents } from './training-events';
import type { BarSeries, Dataset } from '../features/core';
import type { DatasetRequest } from '../features/features.service';
import type { TimeSeriesTrainer } from './trainers/time-series.trainer';
import { FoldRunner } from './walk-forward/fold-runner';
import { trainWalkForward } from './walk-forward/walk-forward';
import { WalkForwardJobs } from './walk-forward/walk-forward-jobs';
import { WORKER_ID } from './worker-id';
import { TRAINERS, trainerFor, type TrainerContext, type TrainingPlan } from './trainers';

class JobCancelled extends Error {}

/** Sweep hook: a trial's network is trained; stop before the trainer scores the test part. */
class TrialTrained extends Error {
  constructor(readonly history: Record<string, number[]>) {
    super('trial trained');
  }
}

/**
 * Takes jobs off the queue (roles `all` and `worker`) and runs them: dataset → trainer (a
 * network in the training thread) → evaluation → artifacts. Every path ends with the job in a
 * final state; the version and the run follow the training.job.* events (awaited, before the
 * job's own final write, so a job seen done has its version and run final too).
 */
@Injectable()
export class TrainingRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('TrainingRunner');
  /** Runs in progress in this process, so shutdown can wait for their final writes. */
  private readonly active = new Set<Promise<void>>();

  constructor(
    private readonly jobs: TrainingJobsRepository,
    private readonly config: AppConfig,
    private readonly queue: TrainingQueue,
    private readonly features: FeaturesService,
    private readonly threads: JobThreads,
    private readonly artifacts: ModelArtifacts,
    private readonly events: TrainingEvents,
    private readonly bus: DomainEventBus,
    private readonly walkForward: WalkForwardJobs,
    private readonly folds: FoldRunner,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runsWorker) return;
    await this.artifacts.cleanupTemp().catch((e: Error) => this.logger.warn(`artifact cleanup: ${e.message}`));
    await this.requeueOrphans();
    // One queue for jobs, walk-forward folds and continuations: they share the slots (walk-forward/).
    await this.queue.work(this.config.trainingConcurrency, (job) =>
      this.track(
        job.data.fold !== undefined
          ? this.folds.run(job.data.job_id, job.data.fold, job.signal)
          : this.run(job.data.job_id, job.signal, { resume: job.data.resume === true, retry: job.retryCount > 0 }),
      ),
    );
    await this.queue.workDeadLetters((m) =>
      m.fold !== undefined ? this.walkForward.foldInterrupted(m.job_id, m.fold) : this.failInterrupted(m.job_id),
    );
  }

  /**
   * SIGTERM on a worker: stop taking jobs; a running job gets WORKER_DRAIN_SECONDS to finish,
   * then it is handed back to the queue (its signal aborts, the thread stops at the next batch,
   * the rows return to queued) and another worker retries it. Waits for those final writes,
   * so the database closes after them.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.config.runsWorker) return;
    if (this.active.size)
      this.logger.log(
        { running: this.active.size, drain_seconds: this.config.workerDrainSeconds },
        'stopping: letting running training jobs finish, then handing them back',
      );
    await this.queue.stop(this.config.workerDrainSeconds * 1000);
    await Promise.race([Promise.allSettled([...this.active]), new Promise((r) => setTimeout(r, 15_000).unref())]);
  }

  private track(run: Promise<void>): Promise<void> {
    this.active.add(run);
    return run.finally(() => this.active.delete(run));
  }

  /** Jobs recorded as queued whose send may not have happened (a crash right after the commit). */
  private async requeueOrphans(): Promise<void> {
    for (const id of await this.jobs.queuedIds()) await this.queue.send(id).catch(() => undefined);
  }

  /** `resume`: a walk-forward job's continuation, once its folds ended (`retry`: pg-boss retries it). */
  async run(jobId: string, signal?: AbortSignal, message: { resume?: boolean; retry?: boolean } = {}): Promise<void> {
    const job = await this.jobs.findById(jobId);
    if (!job || ['succeeded', 'failed', 'cancelled'].includes(job.status)) return;
    if (job.cancel_requested) return this.finishCancelled(job);
    const plan = job.request as unknown as TrainingPlan;
    // Walk-forward: the continuation goes on with the attempt that queued the folds (its start
    // time too, for the duration); only a retry of it is a new attempt.
    const continues = message.resume === true && !message.retry && job.status === 'running';
    const started = continues && job.started_at ? job.started_at.getTime() : Date.now();
    if (!continues) {
      // Counted from the job's own row (durable, the same whichever worker retries it).
      const attempt = job.attempts + 1;
      const unit = TRAINERS[plan.modelType]?.progressUnit ?? 'epoch';
      await this.jobs.startAttempt(job.id, {
        worker: WORKER_ID,
        attempts: attempt,
        note: attempt > 1 ? retryNote(attempt, job.note) : null,
        progress: startProgress(unit, plan, 'building dataset'),
      });
      // The version is `training` and the run RUNNING on this attempt before anything is logged.
      await this.bus.publish('training.job.started', { ...this.ids(job), attempt });
    }
    const staging = path.join(this.config.modelRegistryPath, '.staging', job.id);
    try {
      const trainer = trainerFor(plan.modelType);
      if (trainer.backend) await this.jobs.setBackend(job.id, trainer.backend.name, { ...trainer.backend });
      // Sweep hook: a trial ends after training (validation history only, see finishTrial).
      const trial = sweepRefOf(job.request)?.trial !== undefined;
      const context = (dataset: Dataset, series: BarSeries[]): TrainerContext => ({
        plan,
        dataset,
        series,
        runNetwork: (net) =>
          this.threads
            .runNetwork(job, plan, dataset, net, staging, signal)
            .then((r) => (trial ? trialTrained(r.cancelled, r.history) : r)),
        runAgent: (agent) =>
          this.threads
            .runAgent(job, plan, dataset, agent, staging, signal)
            .then((r) => (trial ? trialTrained(r.cancelled, r.history) : r)),
        report: (patch) => this.progress(job.id, patch),
      });
      const build = (extra: Partial<DatasetRequest> = {}) =>
        this.features.buildDataset({ ...plan, timeframe: plan.timeframe as Timeframe, ...extra });
      // Walk-forward (walk-forward/): the first attempt queues the folds as jobs of their own and
      // ends waiting; the continuation trains the version's own model and combines the folds.
      const trained = !plan.evaluation
        ? await build().then(async ({ dataset, series }) => ({
            dataset,
            outcome: await trainer.train(context(dataset, series)),
          }))
        : message.resume
          ? await trainWalkForward(
              {
                plan,
                trainer: trainer as TimeSeriesTrainer,
                context,
                report: (patch) => this.progress(job.id, patch),
                build: () => build({ testSplit: 0 }),
              },
              await this.walkForward.collect(job),
            )
          : await this.walkForward.start(job);
      if (trained === 'waiting') return;
      const { dataset, outcome } = trained;
      if (signal?.aborted) return this.handBack(job);
      if (outcome.run?.cancelled || (await this.jobs.cancelRequested(job.id))) throw new JobCancelled();
      await this.progress(job.id, { phase: 'saving artifacts' });
      // An earlier attempt of this job may have written the version and died before the
      // registry update: this attempt owns the version, so it replaces those files.
      const written = await this.artifacts.writeVersionArtifacts(
        job.model_id,
        job.version,
        {
          network: outcome.run ? { dir: outcome.run.modelDir, onnx: !outcome.run.onnxUnavailable } : undefined,
          extraFiles: outcome.files,
          // How the series was treated (training start, gap rule): serving rebuilds windows with it (features/core/dataset/as-trained.ts).
          preprocessing: { ...outcome.preprocessing, data_rules: dataRulesRecord(plan, dataset) },
          // Why a network has no model.onnx, for GET …/model.onnx to answer with.
          onnxUnavailable: outcome.run?.onnxUnavailable,
          metrics: {
            metrics: outcome.metrics,
            baselines: outcome.baselines,
            history: outcome.run?.history ?? null,
            ...(outcome.walkForward ? { walk_forward: outcome.walkForward } : {}),
          },
        },
        { replace: true },
      );
      const backend = outcome.run?.backend ?? trainer.backend?.name ?? null;
      const backendDetails = outcome.run
        ? reportedBackend(outcome.run.backendDetails)
        : trainer.backend
          ? { ...trainer.backend }
          : null;
      const duration = Date.now() - started;
      // The registry stores the result and the run finishes (their subscribers) before the job reads succeeded.
      await this.bus.publish('training.job.succeeded', {
        ...this.ids(job),
        durationMs: duration,
        trialHistory: null,
        result: {
          metrics: outcome.metrics,
          baselines: outcome.baselines,
          // Every version records its samples whose horizon spans a gap (model types without a splits report too).
          splits: outcome.splits ?? { horizon_gaps: dataset.stats.horizonGaps },
          walkForward: outcome.walkForward ?? null,
          significance: outcome.significance ?? null,
          dataFingerprint: dataset.fingerprint,
          backend,
          backendDetails,
          artifactChecksum: written.checksum,
          artifactFiles: Object.keys(written.manifest.files),
          trainedAt: new Date(),
        },
      });
      await this.jobs.finish(job.id, { status: 'succeeded' });
      this.logger.log(
        { job_id: job.id, model_id: job.model_id, version: job.version, duration_ms: duration, backend },
        'training succeeded',
      );
      this.events.finished({ job_id: job.id, run_id: job.run_id, status: 'succeeded', sweep: sweepRefOf(job.request) });
    } catch (e) {
      if (signal?.aborted) return this.handBack(job);
      if (e instanceof TrialTrained) return this.finishTrial(job, e.history, started);
      if (e instanceof JobCancelled) return this.finishCancelled(job);
      const message =
        e instanceof AppError || e instanceof TrainingThreadError
          ? e.message
          : `training failed: ${(e as Error).message}`;
      this.logger.error(
        { job_id: job.id, err: { message: (e as Error).message, stack: (e as Error).stack } },
        'training failed',
      );
      await this.end(
        job,
        'training.job.failed',
        { ...this.ids(job), reason: 'failed', error: message, durationMs: Date.now() - started },
        { status: 'failed', error: message },
      );
      this.events.finished({
        job_id: job.id,
        run_id: job.run_id,
        status: 'failed',
        error: message,
        sweep: sweepRefOf(job.request),
      });
    } finally {
      await fs.rm(staging, { recursive: true, force: true });
    }
  }

  private progress(jobId: string, patch: Partial<JobProgress>): Promise<void> {
    return this.threads.progress(jobId, patch);
  }

  /** What every training.job.* event names: the job, its version and its run. */
  private ids(job: TrainingJob) {
    return { jobId: job.id, modelId: job.model_id, version: job.version, runId: job.run_id };
  }

  /**
   * A final state: the event first (awaited: the version and the run are final before the job
   * reads so), then the job's row. The row is written even when a subscriber failed, so the job
   * never stays `running` for it; that error is rethrown afterwards, as it surfaced before.
   */
  private async end<K extends DomainEventName>(
    job: TrainingJob,
    name: K,
    payload: DomainEvents[K],
    end: JobEnd,
  ): Promise<void> {
    const reacted = await this.bus.publish(name, payload).then(
      () => null,
      (e: unknown) => ({ error: e }),
    );
    await this.jobs.finish(job.id, end);
    if (reacted) throw reacted.error;
  }

  /** The worker is stopping: the job goes back to queued; pg-boss retries it on another worker. */
  private async handBack(job: TrainingJob): Promise<void> {
    this.logger.warn(
      { job_id: job.id, worker: WORKER_ID },
      'handed the training job back to the queue: this worker is stopping',
    );
    const phase = 'waiting for a worker (handed back by a stopping worker)';
    // Only while the row is still this worker's: a retry elsewhere may already have claimed it.
    // Not an error: a note, which the retry's own note then quotes.
    const handedBack = await this.jobs.handBack(
      job.id,
      WORKER_ID,
      `attempt ${job.attempts + 1} was handed back to the queue: worker ${WORKER_ID} stopped`,
      { phase, eta_seconds: null },
    );
    if (!handedBack) return;
    await this.bus.publish('training.job.requeued', this.ids(job));
  }

  private async finishCancelled(job: TrainingJob): Promise<void> {
    await this.end(
      job,
      'training.job.failed',
      { ...this.ids(job), reason: 'cancelled', error: null, durationMs: null },
      { status: 'cancelled' },
    );
    this.events.finished({ job_id: job.id, run_id: job.run_id, status: 'cancelled', sweep: sweepRefOf(job.request) });
  }

  /** Sweep hook: a trial succeeds with its validation history; no artifacts, no version, no test metrics. */
  private async finishTrial(job: TrainingJob, history: Record<string, number[]>, started: number): Promise<void> {
    await this.end(
      job,
      'training.job.succeeded',
      { ...this.ids(job), durationMs: Date.now() - started, result: null, trialHistory: history },
      { status: 'succeeded' },
    );
    this.events.finished({
      job_id: job.id,
      run_id: job.run_id,
      status: 'succeeded',
      history,
      sweep: sweepRefOf(job.request),
    });
  }

  /** A job whose attempts all died with their worker (dead-letter queue): failed, with the reason. */
  private async failInterrupted(jobId: string): Promise<void> {
    const job = await this.jobs.findById(jobId);
    if (!job || ['succeeded', 'failed', 'cancelled'].includes(job.status)) return;
    const message = `training was interrupted ${job.attempts} time(s) (the worker stopped or crashed) and was given up`;
    await this.end(
      job,
      'training.job.failed',
      { ...this.ids(job), reason: 'interrupted', error: message, durationMs: null },
      { status: 'failed', error: message },
    );
    this.events.finished({
      job_id: jobId,
      run_id: job.run_id,
      status: 'failed',
      error: message,
      sweep: sweepRefOf(job.request),
    });
  }
}

/**
 * Why a job is on a later attempt, for its `note`: the hand-back note the previous attempt
 * left, or (none: its process died without one) that its worker stopped or crashed.
 */
function retryNote(attempt: number, previous: string | null): string {
  const handedBack = `attempt ${attempt - 1} was handed back`;
  const why = previous?.startsWith(handedBack)
    ? previous
    : `attempt ${attempt - 1} was interrupted: its worker stopped or crashed without handing it back`;
  return `retry ${attempt - 1} after an interrupted attempt (${why})`;
}

/** Sweep hook: end a trained trial (or a cancelled one) before the trainer's test scoring. */
function trialTrained(cancelled: boolean, history: object): never {
  if (cancelled) throw new JobCancelled();
  throw new TrialTrained(history as Record<string, number[]>);
}

/** preprocessing.json's `data_rules`: the training start, the gap rule and the horizon-gap policy (as-trained.ts reads them). */
function dataRulesRecord(plan: TrainingPlan, dataset: Dataset): Record<string, unknown> {
  return {
    // No start_date: training read every stored bar, and so does serving (start null).
    start: Number.isFinite(plan.start) ? new Date(plan.start).toISOString() : null,
    max_gap_ms: dataset.maxGapMs,
    horizon_gaps: dataset.stats.horizonGaps.policy,
    // Serving reads it: a feature_store model is not served from locally computed features (served-window.ts).
    feature_source: plan.featureSource ?? 'local',
  };
}
