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
import { TrainingJob, type JobProgress } from './training-job.entity';
import type { Dataset } from '../features/core';
import type { TrainingThreadInput } from './thread/protocol';
import { trainerFor, type AgentJob, type AgentRun, type NetworkJob, type NetworkRun, type TrainingPlan } from './trainers';

class JobCancelled extends Error {}

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
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runsWorker) return;
    await this.artifacts.cleanupTemp().catch((e: Error) => this.logger.warn(`artifact cleanup: ${e.message}`));
    await this.requeueOrphans();
    await this.queue.work(this.config.trainingConcurrency, (job) => this.track(this.run(job.data.job_id, job.retryCount, job.signal)));
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
    if (this.active.size) this.logger.log({ running: this.active.size, drain_seconds: this.config.workerDrainSeconds }, 'stopping: letting running training jobs finish, then handing them back');
    await this.queue.stop(this.config.workerDrainSeconds * 1000);
    await Promise.race([Promise.allSettled([...this.active]), new Promise((r) => setTimeout(r, 15_000).unref())]);
  }

  private track(run: Promise<void>): Promise<void> {
    this.active.add(run);
    return run.finally(() => this.active.delete(run));
  }

  /** Jobs recorded as queued whose send may not have happened (a crash right after the commit). */
  private async requeueOrphans(): Promise<void> {
    const rows: Array<{ id: string }> = await this.dataSource.query(`SELECT id FROM training_jobs WHERE status = 'queued'`);
    for (const { id } of rows) await this.queue.send(id).catch(() => undefined);
  }

  async run(jobId: string, retryCount = 0, signal?: AbortSignal): Promise<void> {
    const repo = this.dataSource.getRepository(TrainingJob);
    const job = await repo.findOneBy({ id: jobId });
    if (!job || ['succeeded', 'failed', 'cancelled'].includes(job.status)) return;
    if (job.cancel_requested) return this.finishCancelled(job);
    const plan = job.request as unknown as TrainingPlan;
    const started = Date.now();
    await repo.update({ id: job.id }, { status: 'running', worker: WORKER_ID, started_at: new Date(), attempts: job.attempts + 1, error: retryCount > 0 ? `retry ${retryCount} after an interrupted attempt` : null, progress: { epoch: 0, epochs: plan.hyperparameters.epochs, loss: null, val_loss: null, eta_seconds: null, phase: 'building dataset' } });
    await this.models.setStatus(job.model_id, job.version, 'training');
    if (job.run_id) await this.experiments.setStatus(job.run_id, 'RUNNING');
    const staging = path.join(this.config.modelRegistryPath, '.staging', job.id);
    try {
      const trainer = trainerFor(plan.modelType);
      const { dataset, series } = await this.features.buildDataset({ ...plan, timeframe: plan.timeframe as Timeframe });
      const outcome = await trainer.train({
        plan,
        dataset,
        series,
        runNetwork: (net) => this.runNetwork(job, plan, dataset, net, staging, signal),
        runAgent: (agent) => this.runAgent(job, plan, dataset, agent, staging, signal),
      });
      if (signal?.aborted) return this.handBack(job);
      if (outcome.run?.cancelled || (await this.cancelRequested(job.id))) throw new JobCancelled();
      await this.progress(job.id, { phase: 'saving artifacts' });
      // An earlier attempt of this job may have written the version and died before the
      // registry update: this attempt owns the version, so it replaces those files.
      if (await this.artifacts.exists(job.model_id, job.version)) await this.artifacts.remove(job.model_id, job.version);
      const written = await this.artifacts.write(job.model_id, job.version, {
        ...(outcome.run
          ? {
              'model/model.json': await fs.readFile(path.join(outcome.run.modelDir, 'model.json')),
              'model/weights.bin': await fs.readFile(path.join(outcome.run.modelDir, 'weights.bin')),
            }
          : {}),
        ...(outcome.files ?? {}),
        'preprocessing.json': outcome.preprocessing,
        'metrics.json': { metrics: outcome.metrics, baselines: outcome.baselines, history: outcome.run?.history ?? null },
      });
      const backend = outcome.run?.backend ?? null;
      const backendDetails = outcome.run ? reportedBackend(outcome.run.backendDetails) : null;
      const duration = Date.now() - started;
      await this.models.setStatus(job.model_id, job.version, 'experimental', {
        metrics: outcome.metrics,
        baselines: outcome.baselines,
        data_fingerprint: dataset.fingerprint,
        backend,
        backend_details: backendDetails,
        duration_ms: duration,
        artifact_checksum: written.checksum,
        trained_at: new Date(),
        error: null,
      });
      await repo.update({ id: job.id }, { status: 'succeeded', finished_at: new Date(), error: null, progress: { ...(await this.currentProgress(job.id)), phase: 'done', eta_seconds: 0 } });
      if (job.run_id) {
        await this.experiments.finishRun(job.run_id, 'FINISHED', {
          metrics: numericMetrics(outcome.metrics),
          artifacts: Object.keys(written.manifest.files).map((f) => `${job.model_id}/${job.version}/${f}`),
          tags: { ...(backend ? { backend } : {}), data_fingerprint: dataset.fingerprint },
        });
      }
      this.logger.log({ job_id: job.id, model_id: job.model_id, version: job.version, duration_ms: duration, backend }, 'training succeeded');
    } catch (e) {
      if (signal?.aborted) return this.handBack(job);
      if (e instanceof JobCancelled) return this.finishCancelled(job);
      const message = e instanceof AppError || e instanceof TrainingThreadError ? e.message : `training failed: ${(e as Error).message}`;
      this.logger.error({ job_id: job.id, err: { message: (e as Error).message, stack: (e as Error).stack } }, 'training failed');
      await repo.update({ id: job.id }, { status: 'failed', finished_at: new Date(), error: message });
      await this.models.setStatus(job.model_id, job.version, 'failed', { error: message, duration_ms: Date.now() - started });
      if (job.run_id) await this.experiments.finishRun(job.run_id, 'FAILED', { tags: { error: message.slice(0, 250) } });
    } finally {
      await fs.rm(staging, { recursive: true, force: true });
    }
  }

  private async runAgent(job: TrainingJob, plan: TrainingPlan, dataset: Dataset, agent: AgentJob, staging: string, signal?: AbortSignal): Promise<AgentRun> {
    const { done, backend, backendDetails } = await this.inThread(job, plan, dataset, staging, signal, {
      kind: 'dqn',
      dqn: { config: agent.config, returns: agent.returns, costs: agent.costs },
      loss: 'huber',
      yTrain: new Float32Array(0),
      yVal: new Float32Array(0),
      yWidth: 0,
      epochs: agent.config.episodes ?? 8,
    });
    if (done.type !== 'dqn-done') throw new Error('the training thread answered with a network result for an agent job');
    return { backend, backendDetails, bestEpisode: done.bestEpisode, cancelled: done.cancelled, rewardScale: done.rewardScale, history: done.history, testActions: done.testActions, testQValues: done.testQValues, modelDir: path.join(staging, 'model') };
  }

  private async runNetwork(job: TrainingJob, plan: TrainingPlan, dataset: Dataset, net: NetworkJob, staging: string, signal?: AbortSignal): Promise<NetworkRun> {
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
    return { backend, backendDetails, bestEpoch: done.bestEpoch, stoppedEarly: done.stoppedEarly, cancelled: done.cancelled, history: done.history, predictions: done.predictions, modelDir: path.join(staging, 'model') };
  }

  /** Run one training in the thread, with progress, cancellation polling and the memory limit. */
  private async inThread(
    job: TrainingJob,
    plan: TrainingPlan,
    dataset: Dataset,
    staging: string,
    signal: AbortSignal | undefined,
    spec: Pick<TrainingThreadInput, 'kind' | 'network' | 'autoencoder' | 'dqn' | 'classWeight' | 'predictTrain' | 'loss' | 'yTrain' | 'yVal' | 'yWidth'> & { epochs: number },
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
          onBackend: (name, details) => {
            backend = name;
            backendDetails = details;
            void this.dataSource.query(`UPDATE training_jobs SET backend = $2, backend_details = $3::jsonb WHERE id = $1`, [job.id, name, JSON.stringify(reportedBackend(details))]);
            void this.progress(job.id, { phase: 'training' });
          },
          onEpoch: (m) => {
            const epochs = spec.epochs;
            const perEpoch = m.elapsed_ms / (m.epoch + 1);
            const progress: Partial<JobProgress> = { phase: 'training', epoch: m.epoch + 1, epochs, loss: m.loss, val_loss: m.val_loss, eta_seconds: Math.round((perEpoch * (epochs - m.epoch - 1)) / 1000) };
            // An agent's "epochs" are episodes: its curves are reward and validation return.
            const logged = spec.kind === 'dqn' ? { train_reward: m.loss, val_return: m.val_loss } : { loss: m.loss, val_loss: m.val_loss };
            if (job.run_id) void this.experiments.logMetrics(job.run_id, logged, m.epoch).catch(() => undefined);
            if (Date.now() - lastWrite > 300 || m.epoch + 1 === epochs) {
              lastWrite = Date.now();
              void this.progress(job.id, progress);
            }
          },
        },
      );
      if (done.tensorsAfter !== done.tensorsBefore) this.logger.warn({ job_id: job.id, before: done.tensorsBefore, after: done.tensorsAfter }, 'tensor count changed during training');
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

  private async currentProgress(jobId: string): Promise<JobProgress> {
    const [row] = await this.dataSource.query(`SELECT progress FROM training_jobs WHERE id = $1`, [jobId]);
    return row?.progress ?? { epoch: 0, epochs: 0, loss: null, val_loss: null, eta_seconds: null, phase: '' };
  }

  private async progress(jobId: string, patch: Partial<JobProgress>): Promise<void> {
    await this.dataSource.query(`UPDATE training_jobs SET progress = COALESCE(progress, '{}'::jsonb) || $2::jsonb WHERE id = $1 AND status = 'running'`, [jobId, JSON.stringify(patch)]).catch(() => undefined);
  }

  /** The worker is stopping: the job goes back to queued; pg-boss retries it on another worker. */
  private async handBack(job: TrainingJob): Promise<void> {
    this.logger.warn({ job_id: job.id, worker: WORKER_ID }, 'handed the training job back to the queue: this worker is stopping');
    const phase = 'waiting for a worker (handed back by a stopping worker)';
    // Only while the row is still this worker's: a retry elsewhere may already have claimed it.
    const rows = updatedRows(await this.dataSource.query(
      `UPDATE training_jobs SET status = 'queued', error = $2, progress = COALESCE(progress, '{}'::jsonb) || $3::jsonb WHERE id = $1 AND status = 'running' AND worker = $4 RETURNING id`,
      [job.id, `attempt ${job.attempts + 1} was handed back to the queue: worker ${WORKER_ID} stopped`, JSON.stringify({ phase, eta_seconds: null }), WORKER_ID],
    ));
    if (!rows.length) return;
    await this.models.setStatus(job.model_id, job.version, 'queued');
    if (job.run_id) await this.experiments.setStatus(job.run_id, 'SCHEDULED');
  }

  private async finishCancelled(job: TrainingJob): Promise<void> {
    await this.dataSource.getRepository(TrainingJob).update({ id: job.id }, { status: 'cancelled', finished_at: new Date() });
    await this.models.setStatus(job.model_id, job.version, 'cancelled');
    if (job.run_id) await this.experiments.finishRun(job.run_id, 'KILLED');
  }

  /** A job whose attempts all died with their worker (dead-letter queue): failed, with the reason. */
  private async failInterrupted(jobId: string): Promise<void> {
    const job = await this.dataSource.getRepository(TrainingJob).findOneBy({ id: jobId });
    if (!job || ['succeeded', 'failed', 'cancelled'].includes(job.status)) return;
    const message = `training was interrupted ${job.attempts} time(s) (the worker stopped or crashed) and was given up`;
    await this.dataSource.getRepository(TrainingJob).update({ id: jobId }, { status: 'failed', finished_at: new Date(), error: message });
    await this.models.setStatus(job.model_id, job.version, 'failed', { error: message });
    if (job.run_id) await this.experiments.finishRun(job.run_id, 'FAILED');
  }
}

/** The thread's backend selection as kept with a job and a version (null before the thread reported it). */
function reportedBackend(details: Record<string, unknown>): Record<string, unknown> | null {
  return details.name ? backendReport(details as Partial<TfBackendDescription>) : null;
}

function numericMetrics(metrics: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(metrics)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  const bt = metrics.backtest as Record<string, unknown> | undefined;
  if (bt) for (const [k, v] of Object.entries(bt)) if (typeof v === 'number' && Number.isFinite(v)) out[`backtest_${k}`] = v;
  return out;
}
