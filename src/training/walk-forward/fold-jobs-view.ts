import { isoOrNull } from '../../common/iso-time';
import type { FoldSummary } from './fold-jobs.repository';

/**
 * A walk-forward job's folds as GET /training/jobs/{id} lists them (`fold_jobs`): the job stays
 * the one thing a user tracks and cancels; these are its children, one queue job per fold, with
 * the pg-boss id, the worker that ran it, its attempts and its own epochs.
 */
export function foldJobsView(rows: FoldSummary[]) {
  return rows.map((r) => ({
    fold: r.fold,
    queue_job_id: r.queue_id,
    status: r.status,
    worker: r.worker,
    attempts: r.attempts,
    progress: r.progress,
    error: r.error,
    started_at: isoOrNull(r.started_at),
    finished_at: isoOrNull(r.finished_at),
  }));
}
