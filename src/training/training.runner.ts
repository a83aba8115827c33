import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppError } from '../common/errors/app-error';
import { AppConfig } from '../config/app-config';
import { ExperimentsService } from '../experiments/experiments.service';
import { FeaturesService } from '../features/features.service';
import type { Timeframe } from '../market-data/timeframes';
import { ArtifactStore } from '../models/artifacts';
import { ModelsService } from '../models/models.service';
import type { TfBackendDescription } from '../ml';
import { updatedRows } from '../database/updated-rows';
import { backendReport } from './backend-report';
import { TrainingQueue } from './queue/training-queue';
import { TrainingThread, TrainingThreadError } from './thread/training-thread.runner';
import { TrainingJob } from './training-job.entity';
import { startProgress, stepProgress, type JobProgress } from './job-progress';
import { DQN_DEFAULTS } from '../ml/rl/dqn-config';
import { sweepRefOf, TrainingEvents } from './training-events';
import type { BarSeries, Dataset } from '../features/core';
import type { DatasetRequest } from '../features/features.service';
import type { TimeSeriesTrainer } from './trainers/time-series.trainer';
import { trainWalkForward } from './walk-forward/walk-forward';
import type { TrainingThreadInput } from './thread/protocol';
import {
  TRAINERS,
  trainerFor,
  type AgentJob,
  type AgentRun,
  type NetworkJob,
  type NetworkRun,
  type TrainerContext,
  type TrainingPlan,
} from './trainers';

class JobCancelled extends Error {}

/** Sweep hook: a trial's network is trained; stop before the trainer scores the test part. */
class TrialTrained extends Error {
  constructor(readonly history: Record<string, number[]>) {
    super('trial trained');
  }
}

/** This process as operators see it in a job's `worker` field (the pod name in Kubernetes). */
const WORKER_ID = `${os.hostname()}:${process.pid}`;

/**
 * Takes jobs off the queue (roles `all` and `worker`) and runs them: dataset → trainer (a
 * network in the training thread) → evaluation → artifacts → registry and run. Every path
 * ends with the job, the version and the run in a final state.
 */
@Injectable()
export class TrainingRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('TrainingRunner');
  /** Runs in progress in this process, so shutdown can wait for their final writes. */
  private readonly active = new Set<Promise<void>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly queue: TrainingQueue,
    private readonly features: FeaturesService,
    private readonly models: ModelsService,
    private readonly experiments: ExperimentsService,
    private readonly artifacts: ArtifactStore,
    private readonly events: TrainingEvents,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runsWorker) return;
    await this.artifacts.cleanupTemp().catch((e: Error) => this.logger.warn(`artifact cleanup: ${e.message}`));
    await this.requeueOrphans();
    await this.queue.work(this.config.trainingConcurrency, (job) => this.track(this.run(job.data.job_id, job.signal)));
    await this.queue.workDeadLetters((jobId) => this.failInterrupted(jobId));
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
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM training_jobs WHERE status = 'queued'`,
    );
    for (const { id } of rows) await this.queue.send(id).catch(() => undefined);
  }

  async run(jobId: string, signal?: AbortSignal): Promise<void> {
    const repo = this.dataSource.getRepository(TrainingJob);
    const job = await repo.findOneBy({ id: jobId });
    if (!job || ['succeeded', 'failed', 'cancelled'].includes(job.status)) return;
    if (job.cancel_requested) return this.finishCancelled(job);
    const plan = job.request as unknown as TrainingPlan;
    const started = Date.now();
    // Counted from the job's own row (durable, the same whichever worker retries it).
    const attempt = job.attempts + 1;
    const unit = TRAINERS[plan.modelType]?.progressUnit ?? 'epoch';
    await repo.update(
      { id: job.id },
      {
        status: 'running',
        worker: WORKER_ID,
        started_at: new Date(),
        attempts: attempt,
        error: null,
        note: attempt > 1 ? retryNote(attempt, job.note) : null,
        progress: startProgress(unit, plan, 'building dataset'),
      },
    );
    await this.models.setStatus(job.model_id, job.version, 'training');
    // A retry starts the run's history afresh (steps from 0 again), tagged with its attempt.
    if (job.run_id) await this.experiments.startAttempt(job.run_id, attempt);
    const staging = path.join(this.config.modelRegistryPath, '.staging', job.id);
    try {
      const trainer = trainerFor(plan.modelType);
      if (trainer.backend)
        await repo.update({ id: job.id }, { backend: trainer.backend.name, backend_details: { ...trainer.backend } });
      // Sweep hook: a trial ends after training (validation history only, see finishTrial).
      const trial = sweepRefOf(job.request)?.trial !== undefined;
      const context = (dataset: Dataset, series: BarSeries[]): TrainerContext => ({
        plan,
        dataset,
        series,
        runNetwork: (net) =>
          this.runNetwork(job, plan, dataset, net, staging, signal).then((r) =>
            trial ? trialTrained(r.cancelled, r.history) : r,
          ),
        runAgent: (agent) =>
          this.runAgent(job, plan, dataset, agent, staging, signal).then((r) =>
            trial ? trialTrained(r.cancelled, r.history) : r,
          ),
        report: (patch) => this.progress(job.id, patch),
      });
      const build = (extra: Partial<DatasetRequest> = {}) =>
        this.features.buildDataset({ ...plan, timeframe: plan.timeframe as Timeframe, ...extra });
      // Walk-forward: the folds' models, then the version's own on the whole range (walk-forward/).
      const { dataset, outcome } = plan.evaluation
        ? await trainWalkForward({
            plan,
            trainer: trainer as TimeSeriesTrainer,
            context,
            report: (patch) => this.progress(job.id, patch),
            build: (fold) =>
              build(fold === undefined ? { testSplit: 0 } : { walkForward: { ...plan.evaluation!, fold } }),
          })
        : await build().then(async ({ dataset, series }) => ({
            dataset,
            outcome: await trainer.train(context(dataset, series)),
          }));
      if (signal?.aborted) return this.handBack(job);
      if (outcome.run?.cancelled || (await this.cancelRequested(job.id))) throw new JobCancelled();
      await this.progress(job.id, { phase: 'saving artifacts' });
      // An earlier attempt of this job may have written the version and died before the
      // registry update: this attempt owns the version, so it replaces those files.
      if (await this.artifacts.exists(job.model_id, job.version))
        await this.artifacts.remove(job.model_id, job.version);
      const written = await this.artifacts.write(job.model_id, job.version, {
        ...(outcome.run
          ? {
              'model/model.json': await fs.readFile(path.join(outcome.run.modelDir, 'model.json')),
              'model/weights.bin': await fs.readFile(path.join(outcome.run.modelDir, 'weights.bin')),
              ...(outcome.run.onnxUnavailable
                ? {}
                : { 'model/model.onnx': await fs.readFile(path.join(outcome.run.modelDir, 'model.onnx')) }),
            }
          : {}),
        ...(outcome.files ?? {}),
        // Why a network has no model.onnx, for GET …/model.onnx to answer with (models.service.ts).
        'preprocessing.json': {
          ...outcome.preprocessing,
          // How the series was treated (training start, gap rule): serving rebuilds windows with it (features/core/dataset/as-trained.ts).
          data_rules: dataRulesRecord(plan, dataset),
          ...(outcome.run?.onnxUnavailable ? { onnx_unavailable: outcome.run.onnxUnavailable } : {}),
        },
        'metrics.json': {
          metrics: outcome.metrics,
          baselines: outcome.baselines,
          history: outcome.run?.history ?? null,
          ...(outcome.walkForward ? { walk_forward: outcome.walkForward } : {}),
        },
      });
      const backend = outcome.run?.backend ?? trainer.backend?.name ?? null;
      const backendDetails = outcome.run
        ? reportedBackend(outcome.run.backendDetails)
        : trainer.backend
          ? { ...trainer.backend }
          : null;
      const duration = Date.now() - started;
      await this.models.setStatus(job.model_id, job.version, 'experimental', {
        metrics: outcome.metrics,
        baselines: outcome.baselines,
        // With a test span in `significance`, the registry also counts this version as a trial on it.
        // Every version records its samples whose horizon spans a gap (model types without a splits report too).
        splits: outcome.splits ?? { horizon_gaps: dataset.stats.horizonGaps },
        walk_forward: outcome.walkForward ?? null,
        significance: outcome.significance ?? null,
        data_fingerprint: dataset.fingerprint,
        backend,
        backend_details: backendDetails,
        duration_ms: duration,
        artifact_checksum: written.checksum,
        trained_at: new Date(),
        error: null,
      });
      await repo.update(
        { id: job.id },
        {
          status: 'succeeded',
          finished_at: new Date(),
          error: null,
          progress: { ...(await this.currentProgress(job.id)), phase: 'done', eta_seconds: 0 },
        },
      );
      if (job.run_id) {
        await this.experiments.finishRun(job.run_id, 'FINISHED', {
          metrics: numericMetrics(outcome.metrics),
          artifacts: Object.keys(written.manifest.files).map((f) => `${job.model_id}/${job.version}/${f}`),
          tags: { ...(backend ? { backend } : {}), data_fingerprint: dataset.fingerprint },
        });
      }
      this.logger.log(
        { job_id: job.id, model_id: job.model_id, version: job.version, duration_ms: duration, backend },
        'training succeeded',
      );
      this.events.finished({ job_id: job.id, run_id: job.run_id, status: 'succeeded', sweep: sweepRefOf(job.request) });
    } catch (e) {
      if (signal?.aborted) return this.handBack(job);
      if (e instanceof TrialTrained) return this.finishTrial(job, e.history);
      if (e instanceof JobCancelled) return this.finishCancelled(job);
      const message =
        e instanceof AppError || e instanceof TrainingThreadError
          ? e.message
          : `training failed: ${(e as Error).message}`;
      this.logger.error(
        { job_id: job.id, err: { message: (e as Error).message, stack: (e as Error).stack } },
        'training failed',
      );
      await repo.update(
        { id: job.id },
        {
          status: 'failed',
          finished_at: new Date(),
          error: message,
          progress: { ...(await this.currentProgress(job.id)), phase: 'failed', eta_seconds: null },
        },
      );
      await this.models.setStatus(job.model_id, job.version, 'failed', {
        error: message,
        duration_ms: Date.now() - started,
      });
      if (job.run_id)
        await this.experiments.finishRun(job.run_id, 'FAILED', { tags: { error: message.slice(0, 250) } });
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

  private async runAgent(
    job: TrainingJob,
    plan: TrainingPlan,
    dataset: Dataset,
    agent: AgentJob,
    staging: string,
    signal?: AbortSignal,
  ): Promise<AgentRun> {
    const { done, backend, backendDetails } = await this.inThread(job, plan, dataset, staging, signal, {
      kind: 'dqn',
      dqn: { config: agent.config, returns: agent.returns, costs: agent.costs },
      loss: 'huber',
      yTrain: new Float32Array(0),
      yVal: new Float32Array(0),
      yWidth: 0,
      epochs: agent.config.episodes ?? DQN_DEFAULTS.episodes,
    });
    if (done.type !== 'dqn-done')
      throw new Error('the training thread answered with a network result for an agent job');
    return {
      backend,
      backendDetails,
      bestEpisode: done.bestEpisode,
      cancelled: done.cancelled,
      rewardScale: done.rewardScale,
      history: done.history,
      testActions: done.testActions,
      testQValues: done.testQValues,
      modelDir: path.join(staging, 'model'),
    };
  }

  private async runNetwork(
    job: TrainingJob,
    plan: TrainingPlan,
    dataset: Dataset,
    net: NetworkJob,
    staging: string,
    signal?: AbortSignal,
  ): Promise<NetworkRun> {
    const { done, backend, backendDetails } = await this.inThread(job, plan, dataset, staging, signal, {
      kind: net.kind ?? 'supervised',
      ...(net.kind === 'autoencoder' ? { autoencoder: net.autoencoder } : { network: net.network }),
      classWeight: net.classWeight,
      predictTrain: net.predictTrain,
      loss: net.loss,
      yTrain: net.kind === 'autoencoder' ? new Float32Array(0) : net.y.train,
      yVal: net.kind === 'autoencoder' ? new Float32Array(0) : net.y.val,
      yWidth: net.kind === 'autoencoder' ? 0 : net.y.width,
      epochs: plan.hyperparameters.epochs,
    });
    if (done.type !== 'done') throw new Error('the training thread answered with an agent result for a network job');
    return {
      backend,
      backendDetails,
      bestEpoch: done.bestEpoch,
      stoppedEarly: done.stoppedEarly,
      cancelled: done.cancelled,
      history: done.history,
      predictions: done.predictions,
      modelDir: path.join(staging, 'model'),
      onnxUnavailable: done.onnxUnavailable,
    };
  }

  /** Run one training in the thread, with progress, cancellation polling and the memory limit. */
  private async inThread(
    job: TrainingJob,
    plan: TrainingPlan,
    dataset: Dataset,
    staging: string,
    signal: AbortSignal | undefined,
    spec: Pick<
      TrainingThreadInput,
      | 'kind'
      | 'network'
      | 'autoencoder'
      | 'dqn'
      | 'classWeight'
      | 'predictTrain'
      | 'loss'
      | 'yTrain'
      | 'yVal'
      | 'yWidth'
    > & { epochs: number },
  ) {
    const thread = new TrainingThread();
    // Handed back by a stopping worker: stop at the next batch (the caller re-queues the job).
    const onAbort = () => thread.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) thread.cancel();
    let backend = 'unknown';
    let backendDetails: Record<string, unknown> = {};
    let lastWrite = 0;
    const cancelPoll = setInterval(() => {
      void this.dataSource
        .query(`SELECT cancel_requested FROM training_jobs WHERE id = $1`, [job.id])
        .then((rows: Array<{ cancel_requested: boolean }>) => rows[0]?.cancel_requested && thread.cancel())
        .catch(() => undefined);
    }, 500);
    try {
      const done = await thread.run(
        {
          backend: this.config.tfBackend,
          cudaVisibleDevices: this.config.cudaVisibleDevices,
          webgpuDawnBackend: this.config.webgpuDawnBackend,
          gpuAdapter: this.config.gpuAdapter,
          nativeEngine: this.config.nativeEngine,
          seed: plan.seed,
          ...spec,
          window: dataset.window,
          numFeatures: dataset.numFeatures,
          learningRate: plan.hyperparameters.learning_rate,
          batchSize: plan.hyperparameters.batch_size,
          patience: plan.hyperparameters.early_stopping_patience,
          xTrain: dataset.train.windows,
          xVal: dataset.validation.windows,
          xTest: dataset.test.windows,
          counts: { train: dataset.train.count, val: dataset.validation.count, test: dataset.test.count },
          saveDir: path.join(staging, 'model'),
        },
        this.config.maxTrainingMemoryGb * 2 ** 30,
        {
          onLog: (level, message) => this.logger[level]({ job_id: job.id, source: 'training-thread' }, message),
          onBackend: (name, details) => {
            backend = name;
            backendDetails = details;
            void this.dataSource.query(
              `UPDATE training_jobs SET backend = $2, backend_details = $3::jsonb WHERE id = $1`,
              [job.id, name, JSON.stringify(reportedBackend(details))],
            );
            void this.progress(job.id, { phase: 'training', unit: spec.kind === 'dqn' ? 'episode' : 'epoch' });
          },
          onEpoch: (m) => {
            const epochs = spec.epochs;
            // An agent's "epochs" are episodes: its curves are reward and validation return.
            const progress = stepProgress(spec.kind === 'dqn' ? 'episode' : 'epoch', m, epochs);
            const logged =
              spec.kind === 'dqn'
                ? { train_reward: m.loss, val_return: m.val_loss }
                : { loss: m.loss, val_loss: m.val_loss };
            if (job.run_id) void this.experiments.logMetrics(job.run_id, logged, m.epoch).catch(() => undefined);
            this.events.epoch({
              job_id: job.id,
              run_id: job.run_id,
              epoch: m.epoch,
              values: logged,
              sweep: sweepRefOf(job.request),
            });
            if (Date.now() - lastWrite > 300 || m.epoch + 1 === epochs) {
              lastWrite = Date.now();
              void this.progress(job.id, progress);
            }
          },
        },
      );
      if (done.tensorsAfter !== done.tensorsBefore)
        this.logger.warn(
          { job_id: job.id, before: done.tensorsBefore, after: done.tensorsAfter },
          'tensor count changed during training',
        );
      return { done, backend, backendDetails };
    } finally {
      clearInterval(cancelPoll);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private async cancelRequested(jobId: string): Promise<boolean> {
    const [row] = await this.dataSource.query(`SELECT cancel_requested FROM training_jobs WHERE id = $1`, [jobId]);
    return row?.cancel_requested === true;
  }

  private async currentProgress(jobId: string): Promise<Partial<JobProgress>> {
    const [row] = await this.dataSource.query(`SELECT progress FROM training_jobs WHERE id = $1`, [jobId]);
    return row?.progress ?? {};
  }

  private async progress(jobId: string, patch: Partial<JobProgress>): Promise<void> {
    await this.dataSource
      .query(
        `UPDATE training_jobs SET progress = COALESCE(progress, '{}'::jsonb) || $2::jsonb WHERE id = $1 AND status = 'running'`,
        [jobId, JSON.stringify(patch)],
      )
      .catch(() => undefined);
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
    const rows = updatedRows(
      await this.dataSource.query(
        `UPDATE training_jobs SET status = 'queued', note = $2, progress = COALESCE(progress, '{}'::jsonb) || $3::jsonb WHERE id = $1 AND status = 'running' AND worker = $4 RETURNING id`,
        [
          job.id,
          `attempt ${job.attempts + 1} was handed back to the queue: worker ${WORKER_ID} stopped`,
          JSON.stringify({ phase, eta_seconds: null }),
          WORKER_ID,
        ],
      ),
    );
    if (!rows.length) return;
    await this.models.setStatus(job.model_id, job.version, 'queued');
    if (job.run_id) await this.experiments.setStatus(job.run_id, 'SCHEDULED');
  }

  private async finishCancelled(job: TrainingJob): Promise<void> {
    await this.dataSource.query(
      `UPDATE training_jobs SET status = 'cancelled', finished_at = now(), progress = COALESCE(progress, '{}'::jsonb) || '{"phase":"cancelled","eta_seconds":null}'::jsonb WHERE id = $1`,
      [job.id],
    );
    await this.models.setStatus(job.model_id, job.version, 'cancelled');
    if (job.run_id) await this.experiments.finishRun(job.run_id, 'KILLED');
    this.events.finished({ job_id: job.id, run_id: job.run_id, status: 'cancelled', sweep: sweepRefOf(job.request) });
  }

  /** Sweep hook: a trial succeeds with its validation history; no artifacts, no version, no test metrics. */
  private async finishTrial(job: TrainingJob, history: Record<string, number[]>): Promise<void> {
    await this.dataSource.getRepository(TrainingJob).update(
      { id: job.id },
      {
        status: 'succeeded',
        finished_at: new Date(),
        error: null,
        progress: { ...(await this.currentProgress(job.id)), phase: 'done', eta_seconds: 0 },
      },
    );
    if (job.run_id) await this.experiments.finishRun(job.run_id, 'FINISHED', { metrics: bestOfHistory(history) });
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
    const job = await this.dataSource.getRepository(TrainingJob).findOneBy({ id: jobId });
    if (!job || ['succeeded', 'failed', 'cancelled'].includes(job.status)) return;
    const message = `training was interrupted ${job.attempts} time(s) (the worker stopped or crashed) and was given up`;
    await this.dataSource.query(
      `UPDATE training_jobs SET status = 'failed', finished_at = now(), error = $2, progress = COALESCE(progress, '{}'::jsonb) || '{"phase":"failed","eta_seconds":null}'::jsonb WHERE id = $1`,
      [jobId, message],
    );
    await this.models.setStatus(job.model_id, job.version, 'failed', { error: message });
    if (job.run_id) await this.experiments.finishRun(job.run_id, 'FAILED');
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

/** A trial's run metrics: the best validation value of each curve (lowest loss, highest return). */
function bestOfHistory(history: Record<string, number[]>): Record<string, number> {
  const out: Record<string, number> = {};
  const finite = (k: string) => (history[k] ?? []).filter((v) => Number.isFinite(v));
  if (finite('val_loss').length) out.val_loss = Math.min(...finite('val_loss'));
  if (finite('val_return').length) out.val_return = Math.max(...finite('val_return'));
  return out;
}

/** The thread's backend selection as kept with a job and a version (null before the thread reported it). */
function reportedBackend(details: Record<string, unknown>): Record<string, unknown> | null {
  return details.name ? backendReport(details as Partial<TfBackendDescription>) : null;
}

function numericMetrics(metrics: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(metrics)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  const bt = metrics.backtest as Record<string, unknown> | undefined;
  if (bt)
    for (const [k, v] of Object.entries(bt)) if (typeof v === 'number' && Number.isFinite(v)) out[`backtest_${k}`] = v;
  return out;
}

/** preprocessing.json's `data_rules`: the training start, the gap rule and the horizon-gap policy (as-trained.ts reads them). */
function dataRulesRecord(plan: TrainingPlan, dataset: Dataset): Record<string, unknown> {
  return {
    start: new Date(plan.start).toISOString(),
    max_gap_ms: dataset.maxGapMs,
    horizon_gaps: dataset.stats.horizonGaps.policy,
  };
}
