import * as path from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ExperimentsService } from '../experiments/experiments.service';
import type { Dataset } from '../features/core';
import { DQN_DEFAULTS } from '../ml/rl/dqn-config';
import { backendReport } from './backend-report';
import { stepProgress, type JobProgress } from './job-progress';
import type { TrainingThreadInput } from './thread/protocol';
import { TrainingThread } from './thread/training-thread.runner';
import type { AgentJob, AgentRun, NetworkJob, NetworkRun, TrainingPlan } from './trainers';
import { sweepRefOf, TrainingEvents } from './training-events';
import type { TrainingJob } from './training-job.entity';
import { TrainingJobsRepository } from './training-jobs.repository';

/**
 * Runs a job's network (or agent) in a training thread: the thread's input from the plan and
 * the dataset, progress and per-epoch metrics as it trains (the run's history through
 * ExperimentsService.logMetrics, the tracking contract), cancellation polling, the memory limit.
 */
@Injectable()
export class JobThreads {
  private readonly logger = new Logger('TrainingRunner');

  constructor(
    private readonly config: AppConfig,
    private readonly jobs: TrainingJobsRepository,
    private readonly experiments: ExperimentsService,
    private readonly events: TrainingEvents,
  ) {}

  async runAgent(
    job: TrainingJob,
    plan: TrainingPlan,
    dataset: Dataset,
    agent: AgentJob,
    staging: string,
    signal?: AbortSignal,
  ): Promise<AgentRun> {
    const { done, backend, backendDetails } = await this.inThread(job, plan, dataset, staging, signal, undefined, {
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

  async runNetwork(
    job: TrainingJob,
    plan: TrainingPlan,
    dataset: Dataset,
    net: NetworkJob,
    staging: string,
    signal?: AbortSignal,
    /** Where progress goes (default: the job's row; a walk-forward fold's: its fold row). */
    report?: (patch: Partial<JobProgress>) => Promise<void>,
  ): Promise<NetworkRun> {
    const { done, backend, backendDetails } = await this.inThread(job, plan, dataset, staging, signal, report, {
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
    report: ((patch: Partial<JobProgress>) => Promise<void>) | undefined,
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
    const progress = report ?? ((patch: Partial<JobProgress>) => this.progress(job.id, patch));
    // Handed back by a stopping worker: stop at the next batch (the caller re-queues the job).
    const onAbort = () => thread.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) thread.cancel();
    let backend = 'unknown';
    let backendDetails: Record<string, unknown> = {};
    let lastWrite = 0;
    const cancelPoll = setInterval(() => {
      void this.jobs
        .cancelRequested(job.id)
        .then((requested) => requested && thread.cancel())
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
            void this.jobs.setBackend(job.id, name, reportedBackend(details)).catch(() => undefined);
            void progress({ phase: 'training', unit: spec.kind === 'dqn' ? 'episode' : 'epoch' }).catch(
              () => undefined,
            );
          },
          onEpoch: (m) => {
            const epochs = spec.epochs;
            // An agent's "epochs" are episodes: its curves are reward and validation return.
            const step = stepProgress(spec.kind === 'dqn' ? 'episode' : 'epoch', m, epochs);
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
              void progress(step).catch(() => undefined);
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

  /** Merges into a running job's progress; a lost progress write is not worth failing a job for. */
  progress(jobId: string, patch: Partial<JobProgress>): Promise<void> {
    return this.jobs.patchProgress(jobId, patch).catch(() => undefined);
  }
}

/** The thread's backend selection as kept with a job and a version (null before the thread reported it). */
export function reportedBackend(details: Record<string, unknown>): Record<string, unknown> | null {
  return details.name ? backendReport(details) : null;
}
