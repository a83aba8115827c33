/**
 * Runs one walk-forward fold as a queue job of its own (message `{job_id, fold}`): the fold's
 * dataset, its model trained and scored on its block beside the fold's baselines (the same
 * trainer call as a single split), and its result stored in its `walk_forward_folds` row, from
 * which the parent combines the folds wherever it runs (walk-forward-jobs.ts has the protocol).
 *
 * Retries are pg-boss's, as for jobs: a fold whose worker died is run again after its heartbeat
 * timed out; one handed back by a stopping worker returns without a write (pg-boss retries it);
 * a fold that already ended only makes sure its parent is told again. Its network's epochs go to
 * the fold's row; the run's metric history gets them as it did when folds ran inside the job.
 * The cancel flag polled while it trains is the parent job's: cancelling the job stops its folds.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error';
import { AppConfig } from '../../config/app-config';
import { FeaturesService } from '../../features/features.service';
import type { Timeframe } from '../../market-data/timeframes';
import { JobThreads } from '../job-threads';
import { TrainingThreadError } from '../thread/training-thread.runner';
import { TrainingJobsRepository } from '../training-jobs.repository';
import { trainerFor, type TrainerContext, type TrainingPlan } from '../trainers';
import type { TimeSeriesTrainer } from '../trainers/time-series.trainer';
import { WORKER_ID } from '../worker-id';
import { FINAL_FOLD } from './fold-job.entity';
import { FoldJobsRepository } from './fold-jobs.repository';
import { foldResult, storeFold } from './fold-result';
import { WalkForwardJobs } from './walk-forward-jobs';

@Injectable()
export class FoldRunner {
  private readonly logger = new Logger('TrainingRunner');

  constructor(
    private readonly config: AppConfig,
    private readonly jobs: TrainingJobsRepository,
    private readonly folds: FoldJobsRepository,
    private readonly features: FeaturesService,
    private readonly threads: JobThreads,
    private readonly walkForward: WalkForwardJobs,
  ) {}

  async run(jobId: string, fold: number, signal?: AbortSignal): Promise<void> {
    const [job, row] = await Promise.all([this.jobs.findById(jobId), this.folds.find(jobId, fold)]);
    if (!job || !row) return;
    // A retry of a fold that ended (its worker died before pg-boss heard): tell the parent again.
    if (FINAL_FOLD.includes(row.status)) return this.walkForward.foldEnded(jobId);
    if (job.cancel_requested || ['succeeded', 'failed', 'cancelled'].includes(job.status)) {
      const why = job.cancel_requested ? 'the job was cancelled' : `the job is already ${job.status}`;
      await this.folds.end(jobId, fold, { status: 'cancelled', error: why });
      return this.walkForward.foldEnded(jobId);
    }
    if (!(await this.folds.start(jobId, fold, WORKER_ID))) return;
    const plan = job.request as unknown as TrainingPlan;
    // Its own staging folder: folds of one job may train side by side in this process.
    const staging = path.join(this.config.modelRegistryPath, '.staging', `${jobId}.fold-${fold}`);
    const report = (patch: object) => this.folds.progress(jobId, fold, patch).catch(() => undefined);
    try {
      await report({ phase: 'building dataset' });
      const { dataset, series } = await this.features.buildDataset({
        ...plan,
        timeframe: plan.timeframe as Timeframe,
        walkForward: { ...plan.evaluation!, fold },
      });
      const context: TrainerContext = {
        plan,
        dataset,
        series,
        runNetwork: (net) => this.threads.runNetwork(job, plan, dataset, net, staging, signal, report),
        runAgent: () => Promise.reject(new Error('walk-forward folds train time-series networks only')),
        report,
      };
      const outcome = await (trainerFor(plan.modelType) as TimeSeriesTrainer).train(context);
      if (signal?.aborted) return;
      const stored = outcome.run?.cancelled
        ? await this.folds.end(jobId, fold, { status: 'cancelled', error: 'the job was cancelled' })
        : await this.folds.end(jobId, fold, {
            status: 'succeeded',
            result: storeFold(foldResult(fold, dataset, outcome)),
          });
      if (stored) this.logger.log({ job_id: jobId, fold, worker: WORKER_ID }, 'walk-forward fold ended');
    } catch (e) {
      // Handed back by a stopping worker: pg-boss retries the fold elsewhere.
      if (signal?.aborted) return;
      const message =
        e instanceof AppError || e instanceof TrainingThreadError
          ? e.message
          : `training failed: ${(e as Error).message}`;
      this.logger.error({ job_id: jobId, fold, err: { message: (e as Error).message } }, 'walk-forward fold failed');
      await this.folds.end(jobId, fold, { status: 'failed', error: message });
    } finally {
      await fs.rm(staging, { recursive: true, force: true });
    }
    await this.walkForward.foldEnded(jobId);
  }
}
