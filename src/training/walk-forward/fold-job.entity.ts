import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { JobProgress } from '../job-progress';

export const FOLD_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type FoldStatus = (typeof FOLD_STATUSES)[number];
export const FINAL_FOLD: readonly FoldStatus[] = ['succeeded', 'failed', 'cancelled'];

/**
 * One walk-forward fold of a training job, run as a queue job of its own (walk-forward-jobs.ts).
 * The row is the fold's durable state and result: the parent job, which may run in another
 * process than the fold did, combines the folds from these rows. Keyed by (job, fold), so a
 * retried fold finds its row instead of adding one, and the first result stored stays.
 */
@Entity({ name: 'walk_forward_folds' })
export class WalkForwardFold {
  @PrimaryColumn({ type: 'uuid' })
  job_id: string;

  @PrimaryColumn({ type: 'int' })
  fold: number;

  /** The fold's pg-boss job id (derived from job id and fold: sending it again is harmless). */
  @Column({ type: 'uuid' })
  queue_id: string;

  @Column({ type: 'varchar', length: 16 })
  status: FoldStatus;

  @Column({ type: 'varchar', length: 128, nullable: true })
  worker: string | null;

  /** Attempts started (a worker that died mid-fold leaves its attempt counted). */
  @Column({ type: 'int', default: 0 })
  attempts: number;

  /** Epochs of the fold's own network (the parent's progress counts folds). */
  @Column({ type: 'jsonb', nullable: true })
  progress: Partial<JobProgress> | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  /** The fold's out-of-sample result (fold-result.ts, StoredFold), once it succeeded. */
  @Column({ type: 'jsonb', nullable: true })
  result: Record<string, unknown> | null;

  @CreateDateColumn({ type: 'timestamptz' })
  created_at: Date;

  @Column({ type: 'timestamptz', nullable: true })
  started_at: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  finished_at: Date | null;
}
