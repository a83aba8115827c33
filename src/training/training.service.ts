import { Injectable } from '@nestjs/common';
import { isoOrNull } from '../common/iso-time';
import { DataSource } from 'typeorm';
import { DomainEventBus } from '../common/events';
import { ConflictError, DataValidationError, NotFoundError } from '../common/errors/app-error';
import { AppConfig } from '../config/app-config';
import { ExperimentsService, DEFAULT_EXPERIMENT } from '../experiments/experiments.service';
import { parseTarget, type FoldPlan } from '../features/core';
import { asValidationErrors } from '../features/feature-errors';
import { FeaturesService } from '../features/features.service';
import { estimateTrainingBytes } from '../ml/memory';
import type { Timeframe } from '../market-data/timeframes';
import { slugify } from '../models/artifacts';
import { ModelsService } from '../models/models.service';
import type { TrainAcceptedDto, TrainRequestDto } from './dto/train-request.dto';
import { TrainingQueue } from './queue/training-queue';
import type { JobStatus, TrainingJob } from './training-job.entity';
import { TrainingJobsRepository, type JobStatusCount } from './training-jobs.repository';
import { toPlan } from './training-plan';
import { memoryEstimateSpec } from './architectures';
import { progressView } from './job-progress';
import { TRAINERS, trainerFor, type TrainingPlan } from './trainers';
import type { SweepJobRef } from './training-events';
import { WalkForwardJobs } from './walk-forward/walk-forward-jobs';
import { foldJobsView } from './walk-forward/fold-jobs-view';

/** Sweep hook: a job of a sweep (a trial, or the winner's final training). */
export interface SubmitOptions {
  sweep?: SweepJobRef;
  /** Run every check, store and queue nothing (a sweep checks its first trial before it exists). */
  dryRun?: boolean;
  /** Schedule hook: a retraining run of a schedule; the version's data_config and the run's tags name the schedule. */
  schedule?: { schedule_id: string; run_id: string };
}

/** Every walk-forward fold has a training part of a batch at least, a validation part and a test block. */
function checkFolds(folds: FoldPlan[], plan: TrainingPlan): void {
  const batch = plan.hyperparameters.batch_size;
  const window =
    plan.evaluation!.trainWindow === 'rolling'
      ? `a rolling window${plan.evaluation!.trainBars ? ` of ${plan.evaluation!.trainBars} bars` : ''}`
      : 'an expanding window';
  for (const f of folds) {
    const at = {
      fold: f.fold,
      training_samples: f.train,
      validation_samples: f.validation,
      test_samples: f.test,
      batch_size: batch,
      train_start: new Date(f.train_start).toISOString(),
      test_start: new Date(f.test_start).toISOString(),
    };
    if (f.train < batch) {
      throw new DataValidationError(
        `walk-forward fold ${f.fold} (${window}) has only ${f.train} training samples for a batch size of ${batch}: use fewer folds, a longer train_bars, a smaller step or batch_size, or more data`,
        at,
        'INSUFFICIENT_DATA',
      );
    }
    if (f.validation === 0 || f.test === 0)
      throw new DataValidationError(
        `walk-forward fold ${f.fold} has an empty validation part or test block (validation ${f.validation}, test ${f.test} samples): use fewer folds or more data`,
        at,
        'INSUFFICIENT_DATA',
      );
  }
}

/** Accepting, listing and cancelling training jobs. Running them is TrainingRunner's job. */
@Injectable()
export class TrainingService {
  constructor(
    /** Only for the submit transaction, which spans the registry, the run and the job. */
    private readonly dataSource: DataSource,
    private readonly jobs: TrainingJobsRepository,
    private readonly config: AppConfig,
    private readonly features: FeaturesService,
    private readonly models: ModelsService,
    private readonly experiments: ExperimentsService,
    private readonly queue: TrainingQueue,
    private readonly bus: DomainEventBus,
    private readonly walkForward: WalkForwardJobs,
  ) {}

  /**
   * Check everything that can be known before training (features, target, data, memory),
   * reserve the next version, record the job and its run, and queue it.
   */
  async submit(req: TrainRequestDto, options: SubmitOptions = {}): Promise<TrainAcceptedDto> {
    const trainer = trainerFor(req.model_type);
    const plan = toPlan(req, {
      architecture: trainer.defaultArchitecture,
      spreadPips: this.config.backtestSpreadPips,
      slippagePips: this.config.backtestSlippagePips,
      swapPoints: this.config.backtestSwapPoints,
    });
    if (trainer.fixedWindow !== undefined) plan.window = trainer.fixedWindow;
    // Sweep hook (its only dry runs are sweeps'): a trial ends after its first training, a fold's.
    if (plan.evaluation && (options.sweep || options.dryRun)) {
      throw new DataValidationError(
        'evaluation: a sweep scores its trials on their validation part; train the winner with walk_forward evaluation afterwards',
        { fields: [{ field: 'evaluation', errors: ['walk_forward is not available in a sweep'] }] },
      );
    }
    if (req.features_from) plan.features = await this.suggestedFeatures(req.features_from, req.features);
    if (!plan.features.length)
      throw new DataValidationError('features: name at least one feature (or features_from)', {
        fields: [{ field: 'features', errors: ['features must contain at least 1 elements'] }],
      });
    this.features.checkFeatures(plan.features);
    const target = asValidationErrors(() => parseTarget(plan.target, plan.timeframe as Timeframe));
    trainer.check(plan, target.kind);
    plan.symbols = plan.symbols.map((s) => this.featureSymbol(s));
    // The dataset's part sizes prove there is enough data (bars needed vs found) before
    // anything is queued. They are planned on a compute thread from the bars' timestamps, with
    // no feature computed: the event loop stays free and the 202 comes back in about the time
    // it takes to read the bars. The worker builds the dataset itself from the same rows.
    // Walk-forward: the final model trains on the whole range (train + validation, no test part).
    const parts = await this.features.planDataset({
      ...plan,
      timeframe: plan.timeframe as Timeframe,
      ...(plan.evaluation ? { testSplit: 0, walkForward: plan.evaluation } : {}),
    });
    if (plan.evaluation) checkFolds(parts.folds ?? [], plan);
    if (parts.train < plan.hyperparameters.batch_size) {
      throw new DataValidationError(
        `only ${parts.train} training samples for a batch size of ${plan.hyperparameters.batch_size}: widen the date range or lower batch_size`,
        {
          training_samples: parts.train,
          batch_size: plan.hyperparameters.batch_size,
        },
        'INSUFFICIENT_DATA',
      );
    }
    if (parts.validation === 0 || (parts.test === 0 && !plan.evaluation)) {
      throw new DataValidationError(
        `the validation or test part is empty (validation ${parts.validation}, test ${parts.test} samples): widen the date range`,
        null,
        'INSUFFICIENT_DATA',
      );
    }
    const samples = parts.train + parts.validation + parts.test;
    const bytes = estimateTrainingBytes(memoryEstimateSpec(plan), samples, plan.hyperparameters.batch_size);
    const limit = this.config.maxTrainingMemoryGb * 2 ** 30;
    if (bytes > limit) {
      throw new DataValidationError(
        `this training would need about ${(bytes / 2 ** 30).toFixed(2)} GB, above MAX_TRAINING_MEMORY (${this.config.maxTrainingMemoryGb} GB): use fewer samples, a smaller window or fewer units`,
        { estimated_gb: bytes / 2 ** 30, limit_gb: this.config.maxTrainingMemoryGb },
        'MEMORY_LIMIT',
      );
    }

    const modelId = req.model_id ?? slugify(req.name);
    if (options.dryRun) return { job_id: '', model_id: modelId, version: '', status: 'queued' };
    const sweep = options.sweep;
    // Sweep hook: a trial reserves no version (only the sweep's winner is registered).
    const isTrial = sweep?.trial !== undefined;
    const sweepTags: Record<string, string> = sweep
      ? {
          'mlflow.parentRunId': sweep.parent_run_id,
          sweep_id: sweep.sweep_id,
          ...(isTrial ? { sweep_trial: String(sweep.trial) } : { sweep_role: 'best' }),
        }
      : {};
    const { job, version } = await this.dataSource.transaction(async (manager) => {
      const version = isTrial
        ? { id: null, version: `trial-${sweep.trial}` }
        : await this.models.reserveVersion(manager, {
            modelId,
            name: req.name,
            type: req.model_type,
            description: req.description,
            tags: req.tags,
            version: {
              architecture: plan.architecture,
              features: plan.features,
              target: plan.target,
              symbols: plan.symbols,
              timeframe: plan.timeframe,
              window: plan.window,
              horizon: target.horizonBars,
              hyperparameters: { ...plan.hyperparameters },
              data_config: {
                ...(req.features_from ? { features_from: req.features_from } : {}),
                start_date: new Date(plan.start).toISOString(),
                end_date: new Date(plan.end).toISOString(),
                validation_split: plan.validationSplit,
                test_split: plan.testSplit,
                scaler: plan.scaler,
                ...(plan.horizonGaps ? { horizon_gaps: plan.horizonGaps } : {}),
                feature_source: plan.featureSource ?? 'local',
                seed: plan.seed,
                spread_pips: plan.spreadPips,
                ...(req.evaluation?.method === 'walk_forward' ? { evaluation: { ...req.evaluation } } : {}),
                ...(sweep ? { sweep_id: sweep.sweep_id } : {}),
                ...(options.schedule ? { schedule_id: options.schedule.schedule_id } : {}),
              },
              description: req.description ?? null,
            },
          });
      const run = await this.experiments.createRun(
        {
          experimentName: req.experiment ?? DEFAULT_EXPERIMENT,
          name: isTrial ? `${modelId}#${version.version}` : `${modelId}@${version.version}`,
          params: {
            model_type: plan.modelType,
            architecture: plan.architecture,
            ...plan.hyperparameters,
            features: plan.features.join(','),
            target: plan.target,
            symbols: plan.symbols.join(','),
            timeframe: plan.timeframe,
            window: plan.window,
            start_date: req.start_date,
            end_date: req.end_date,
            validation_split: plan.validationSplit,
            test_split: plan.testSplit,
            seed: plan.seed,
          },
          tags: {
            ...(req.tags ?? {}),
            model_id: modelId,
            ...(isTrial ? {} : { model_version: version.version }),
            ...sweepTags,
            ...(options.schedule ? { schedule_id: options.schedule.schedule_id } : {}),
          },
          modelId,
          modelVersion: isTrial ? undefined : version.version,
        },
        manager,
      );
      const job = await this.jobs.insert(
        {
          model_id: modelId,
          version: version.version,
          model_type: plan.modelType,
          request: {
            ...plan,
            ...(sweep ? { sweep } : {}),
            ...(options.schedule ? { schedule: options.schedule } : {}),
          },
          run_id: run.id,
        },
        manager,
      );
      if (version.id)
        await this.models.updateVersion(modelId, version.version, { job_id: job.id, run_id: run.id }, manager);
      return { job, version };
    });
    // Sent after the commit: with the embedded database's single connection a send inside
    // the transaction would wait for itself. A crash in between is repaired at start
    // (requeueOrphans): the pg-boss id is the job id, so resending is harmless.
    await this.queue.send(job.id);
    return { job_id: job.id, model_id: modelId, version: version.version, status: 'queued' };
  }

  /** The suggested set of a trained feature_engineering version (`<model_id>@<version>`). */
  private async suggestedFeatures(ref: string, explicit?: string[]): Promise<string[]> {
    if (explicit?.length) {
      throw new DataValidationError('give features or features_from, not both', {
        fields: [{ field: 'features_from', errors: ['conflicts with features'] }],
      });
    }
    const [modelId, version] = ref.split('@');
    const model = await this.models.getModel(modelId);
    if (model.type !== 'feature_engineering') {
      throw new DataValidationError(
        `features_from must name a feature_engineering model; ${modelId} is ${model.type}`,
        { fields: [{ field: 'features_from', errors: ['not a feature_engineering model'] }] },
      );
    }
    const v = await this.models.getVersion(modelId, version);
    const suggested = (v.metrics as { suggested?: unknown }).suggested;
    if (!['experimental', 'deployed'].includes(v.status) || !Array.isArray(suggested) || !suggested.length) {
      throw new ConflictError(
        `${ref} has no finished selection (status ${v.status})`,
        { features_from: ref, status: v.status },
        'SELECTION_NOT_READY',
      );
    }
    return suggested as string[];
  }

  private featureSymbol(raw: string): string {
    return this.features.canonicalSymbol(raw);
  }

  async list(q: { status?: JobStatus; model_id?: string; limit?: number; offset?: number }) {
    const limit = q.limit ?? 50;
    const offset = q.offset ?? 0;
    const { rows, total } = await this.jobs.list({ status: q.status, model_id: q.model_id, limit, offset });
    return { jobs: rows.map((j) => this.view(j)), total, limit, offset };
  }

  /** How many jobs are in each status (the Prometheus gauge, metrics/). */
  countByStatus(): Promise<JobStatusCount[]> {
    return this.jobs.countByStatus();
  }

  /** What schedules need of the jobs they queued: status, version and error of one job (null: no such job). */
  async jobStatus(id: string): Promise<{ status: string; version: string; error: string | null } | null> {
    const job = /^[0-9a-f-]{36}$/i.test(id) ? await this.jobs.findById(id) : null;
    return job ? { status: job.status, version: job.version, error: job.error } : null;
  }

  /** The statuses of several jobs at once (those that exist). */
  jobStatuses(ids: string[]): Promise<Map<string, string>> {
    return this.jobs.statuses(ids);
  }

  /** The job a schedule's run queued, found by the run id its request carries. */
  jobOfScheduleRun(runId: string): Promise<{ id: string; version: string } | null> {
    return this.jobs.findByScheduleRun(runId);
  }

  /** One job; a walk-forward job lists its folds' queue jobs as `fold_jobs` (its children). */
  async get(id: string) {
    const job = await this.find(id);
    if (!(job.request as unknown as TrainingPlan).evaluation) return this.view(job);
    return { ...this.view(job), fold_jobs: foldJobsView(await this.walkForward.children(job.id)) };
  }

  private async find(id: string): Promise<TrainingJob> {
    const job = /^[0-9a-f-]{36}$/i.test(id) ? await this.jobs.findById(id) : null;
    if (!job) throw new NotFoundError(`Training job ${id} does not exist`, { job_id: id }, 'JOB_NOT_FOUND');
    return job;
  }

  /** Queued: cancelled at once. Running: stops at the next batch (the runner polls the flag). */
  async cancel(id: string) {
    const job = await this.find(id);
    if (job.status === 'queued') {
      // Still queued at the moment of the update: a worker may have claimed it since the read.
      if (await this.jobs.cancelIfQueued(id)) {
        await this.queue.cancel(id);
        // The version reads cancelled and the run KILLED (their subscribers) before the answer.
        await this.bus.publish('training.job.failed', {
          jobId: job.id,
          modelId: job.model_id,
          version: job.version,
          runId: job.run_id,
          reason: 'cancelled',
          error: null,
          durationMs: null,
        });
        return this.get(id);
      }
    }
    const refreshed = await this.find(id);
    if (refreshed.status !== 'running')
      throw new ConflictError(
        `Training job ${id} is already ${refreshed.status}`,
        { job_id: id, status: refreshed.status },
        'JOB_FINISHED',
      );
    await this.jobs.requestCancel(id);
    // Walk-forward: folds not started are cancelled; the continuation ends the job (walk-forward/).
    if ((refreshed.request as unknown as TrainingPlan).evaluation) await this.walkForward.cancel(id);
    return this.view({ ...refreshed, cancel_requested: true });
  }

  /**
   * A job as clients read it: progress in its kind's unit (epochs, episodes or scored
   * candidates) with a phase that follows the status; `attempts` counts the attempts started
   * and `note` says why a job is on a later one (a retry is not an error: `error` is only
   * ever why a job failed).
   */
  view(j: TrainingJob) {
    const trainer = TRAINERS[j.model_type];
    const plan = j.request as unknown as TrainingPlan;
    return {
      id: j.id,
      model_id: j.model_id,
      version: j.version,
      model_type: j.model_type,
      status: j.status,
      progress: progressView(j.status, j.progress, trainer?.progressUnit ?? 'epoch', {
        features: plan.features ?? [],
        hyperparameters: plan.hyperparameters ?? {},
      }),
      backend: j.backend ?? trainer?.backend?.name ?? null,
      backend_details: j.backend_details ?? (trainer?.backend ? { ...trainer.backend } : null),
      error: j.error,
      note: j.note ?? null,
      cancel_requested: j.cancel_requested,
      attempts: j.attempts,
      worker: j.worker ?? null,
      run_id: j.run_id,
      created_at: isoOrNull(j.created_at),
      started_at: isoOrNull(j.started_at),
      finished_at: isoOrNull(j.finished_at),
    };
  }
}
