import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { updatedRows } from '../../database/updated-rows';
import type { JobProgress } from '../job-progress';
import { WalkForwardFold, type FoldStatus } from './fold-job.entity';

/** A fold as the parent's job view lists it (no result: that can be megabytes). */
export type FoldSummary = Omit<WalkForwardFold, 'result'>;

/**
 * Every read and write of `walk_forward_folds`. The writes are conditional so that a retried
 * or duplicated fold job cannot undo a final state: a fold starts only while not final, and
 * ends (succeeded with its result, failed, cancelled) only once: the first end stays.
 */
@Injectable()
export class FoldJobsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The parent's folds, queued; folds that exist already (a retried parent) are left as they are. */
  async enqueue(jobId: string, folds: Array<{ fold: number; queueId: string }>): Promise<void> {
    const values = folds.map((_, i) => `($1, $${2 * i + 2}, $${2 * i + 3}, 'queued')`).join(', ');
    await this.dataSource.query(
      `INSERT INTO walk_forward_folds (job_id, fold, queue_id, status) VALUES ${values} ON CONFLICT (job_id, fold) DO NOTHING`,
      [jobId, ...folds.flatMap((f) => [f.fold, f.queueId])],
    );
  }

  async find(jobId: string, fold: number): Promise<WalkForwardFold | null> {
    return this.dataSource.getRepository(WalkForwardFold).findOneBy({ job_id: jobId, fold });
  }

  /** The parent's folds in fold order, without their results. */
  summaries(jobId: string): Promise<FoldSummary[]> {
    return this.dataSource.getRepository(WalkForwardFold).find({
      where: { job_id: jobId },
      order: { fold: 'ASC' },
      // Every column but the result.
      select: {
        job_id: true,
        fold: true,
        queue_id: true,
        status: true,
        worker: true,
        attempts: true,
        progress: true,
        error: true,
        created_at: true,
        started_at: true,
        finished_at: true,
      },
    });
  }

  /** The stored results of the succeeded folds, in fold order. */
  async results(jobId: string): Promise<Array<{ fold: number; result: Record<string, unknown> }>> {
    return this.dataSource.query(
      `SELECT fold, result FROM walk_forward_folds WHERE job_id = $1 AND status = 'succeeded' ORDER BY fold`,
      [jobId],
    );
  }

  /** Running on `worker`, one attempt more; false when the fold is already final. */
  async start(jobId: string, fold: number, worker: string): Promise<boolean> {
    const result: unknown = await this.dataSource.query(
      `UPDATE walk_forward_folds SET status = 'running', worker = $3, attempts = attempts + 1, started_at = now(), progress = NULL WHERE job_id = $1 AND fold = $2 AND status IN ('queued', 'running') RETURNING fold`,
      [jobId, fold, worker],
    );
    return updatedRows(result).length > 0;
  }

  async progress(jobId: string, fold: number, patch: Partial<JobProgress>): Promise<void> {
    await this.dataSource.query(
      `UPDATE walk_forward_folds SET progress = COALESCE(progress, '{}'::jsonb) || $3::jsonb WHERE job_id = $1 AND fold = $2 AND status = 'running'`,
      [jobId, fold, JSON.stringify(patch)],
    );
  }

  /** The fold's final state (its result when it succeeded); false when it had one already. */
  async end(
    jobId: string,
    fold: number,
    end: { status: Exclude<FoldStatus, 'queued' | 'running'>; error?: string; result?: Record<string, unknown> },
  ): Promise<boolean> {
    const result: unknown = await this.dataSource.query(
      `UPDATE walk_forward_folds SET status = $3, error = $4, result = $5::jsonb, finished_at = now() WHERE job_id = $1 AND fold = $2 AND status IN ('queued', 'running') RETURNING fold`,
      [jobId, fold, end.status, end.error ?? null, end.result ? JSON.stringify(end.result) : null],
    );
    return updatedRows(result).length > 0;
  }

  /** Folds not started yet end cancelled (their parent ended); returns their queue ids. */
  async cancelQueued(jobId: string, reason: string): Promise<string[]> {
    const result: unknown = await this.dataSource.query(
      `UPDATE walk_forward_folds SET status = 'cancelled', error = $2, finished_at = now() WHERE job_id = $1 AND status = 'queued' RETURNING queue_id`,
      [jobId, reason],
    );
    return updatedRows<{ queue_id: string }>(result).map((r) => r.queue_id);
  }
}
