/**
 * The parent side of a walk-forward job whose folds run as queue jobs of their own.
 *
 * - The job's first attempt (`start`) records one `walk_forward_folds` row per fold and sends
 *   one queue job per fold (pg-boss ids derived from job id + fold: a retried parent sends the
 *   same jobs again, harmlessly), then ends its attempt with the job still `running`, phase
 *   "waiting for folds". It holds no worker slot while the folds wait: with one slot
 *   (TRAINING_CONCURRENCY=1, the embedded default) the folds run one after another in it;
 *   with more slots or workers, side by side.
 * - A fold that ends (fold-runner.ts) counts its parent's succeeded folds into the parent's
 *   progress (`folds_done` of `folds`) and, once every fold is final or one failed or was
 *   cancelled, sends the parent's continuation: one queue job per parent (derived id), so two
 *   folds ending at once send it once. Each fold counts after its own final write, so the last
 *   one to end always sees them all.
 * - The continuation (`collect`, then walk-forward.ts) reads the folds' stored results, trains
 *   the final model and combines the folds; a failed fold fails the job with the fold's reason,
 *   and the folds not started yet are cancelled.
 * - Cancelling the job (`cancel`) cancels its folds not started yet (rows and queue jobs), lets
 *   running ones stop at their next batch (they poll the parent's cancel flag) and sends the
 *   continuation, which ends the job cancelled.
 */
import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error';
import { foldQueueId, TrainingQueue } from '../queue/training-queue';
import type { TrainingJob } from '../training-job.entity';
import { TrainingJobsRepository } from '../training-jobs.repository';
import type { TrainingPlan } from '../trainers';
import { FINAL_FOLD } from './fold-job.entity';
import { FoldJobsRepository, type FoldSummary } from './fold-jobs.repository';
import { loadFold, type FoldResult } from './fold-result';

/** A fold failed (or was cancelled without the job being cancelled): the job fails with its reason. */
export class FoldFailedError extends AppError {
  constructor(fold: number, reason: string) {
    super(500, 'TrainingError', 'WALK_FORWARD_FOLD_FAILED', `walk-forward fold ${fold} failed: ${reason}`, { fold });
  }
}

@Injectable()
export class WalkForwardJobs {
  constructor(
    private readonly folds: FoldJobsRepository,
    private readonly jobs: TrainingJobsRepository,
    private readonly queue: TrainingQueue,
  ) {}

  /** Queue the job's folds; the job's attempt then ends, waiting for them. */
  async start(job: TrainingJob): Promise<'waiting'> {
    const n = (job.request as unknown as TrainingPlan).evaluation!.folds;
    const numbers = Array.from({ length: n }, (_, i) => i + 1);
    await this.folds.enqueue(
      job.id,
      numbers.map((fold) => ({ fold, queueId: foldQueueId(job.id, fold) })),
    );
    const rows = await this.folds.summaries(job.id);
    for (const row of rows) if (!FINAL_FOLD.includes(row.status)) await this.queue.sendFold(job.id, row.fold);
    await this.report(job.id, rows);
    return 'waiting';
  }

  /** A fold ended: progress, and the continuation once nothing is left to wait for. */
  async foldEnded(jobId: string): Promise<void> {
    const rows = await this.folds.summaries(jobId);
    await this.report(jobId, rows);
    const over = rows.some((r) => r.status === 'failed' || r.status === 'cancelled');
    if (over || rows.every((r) => r.status === 'succeeded')) await this.queue.sendResume(jobId);
  }

  /** The continuation: every fold's result, in fold order; a fold that did not succeed fails the job. */
  async collect(job: TrainingJob): Promise<FoldResult[]> {
    const rows = await this.folds.summaries(job.id);
    const bad = rows.find((r) => r.status === 'failed' || r.status === 'cancelled');
    const pending = rows.filter((r) => !FINAL_FOLD.includes(r.status));
    if (bad || pending.length || !rows.length) {
      await this.cancelQueued(job.id, `fold ${bad?.fold ?? '?'} of the job failed`);
      if (bad) throw new FoldFailedError(bad.fold, bad.error ?? bad.status);
      // Not reachable by the protocol above (the continuation is sent when every fold is final).
      throw new Error(
        `the walk-forward continuation ran with folds ${pending.map((r) => r.fold).join(', ')} not ended`,
      );
    }
    return (await this.folds.results(job.id)).map((r) => loadFold(r.result));
  }

  /** The job was asked to cancel: folds not started yet are cancelled, the continuation ends the job. */
  async cancel(jobId: string): Promise<void> {
    await this.cancelQueued(jobId, 'the job was cancelled');
    await this.queue.sendResume(jobId);
  }

  /** A fold's attempts all died with their workers (dead-letter queue): failed, and so its job. */
  async foldInterrupted(jobId: string, fold: number): Promise<void> {
    const row = await this.folds.find(jobId, fold);
    if (!row) return;
    const message = `the fold was interrupted ${row.attempts} time(s) (the worker stopped or crashed) and was given up`;
    if (await this.folds.end(jobId, fold, { status: 'failed', error: message })) await this.foldEnded(jobId);
  }

  /** The fold jobs of a job, as its view lists them (empty for other jobs). */
  children(jobId: string): Promise<FoldSummary[]> {
    return this.folds.summaries(jobId);
  }

  private async cancelQueued(jobId: string, reason: string): Promise<void> {
    const ids = await this.folds.cancelQueued(jobId, reason);
    if (ids.length) await this.queue.cancel(ids);
  }

  private report(jobId: string, rows: FoldSummary[]): Promise<void> {
    const done = rows.filter((r) => r.status === 'succeeded').length;
    const phase =
      done === rows.length
        ? `walk-forward: ${done} of ${rows.length} folds done, waiting for the final model`
        : `walk-forward: ${done} of ${rows.length} folds done (the folds run as queue jobs of their own)`;
    return this.jobs
      .patchProgress(jobId, { phase, fold: null, folds: rows.length, folds_done: done })
      .catch(() => undefined);
  }
}
