import { randomUUID } from 'node:crypto';
import type { JobProgress } from '../job-progress';
import type { TrainingJob } from '../training-job.entity';
import {
  TrainingJobsRepository,
  type AttemptStart,
  type JobEnd,
  type JobListQuery,
  type JobStatusCount,
  type NewTrainingJob,
} from '../training-jobs.repository';

const FINAL_PROGRESS: Record<JobEnd['status'], Partial<JobProgress>> = {
  succeeded: { phase: 'done', eta_seconds: 0 },
  failed: { phase: 'failed', eta_seconds: null },
  cancelled: { phase: 'cancelled', eta_seconds: null },
};

/**
 * The training_jobs table in a Map, with the same conditional writes as the SQL one (a
 * progress patch only while running, a hand-back only on the worker that holds the row, a
 * cancel of a queued job only while it is still queued), for unit tests of the service and
 * the runner. Rows are copies: a caller's object never changes under it.
 */
export class InMemoryTrainingJobsRepository extends TrainingJobsRepository {
  readonly rows = new Map<string, TrainingJob>();
  private clock = 0;

  /** A stored row (a copy), for a test's assertions. */
  row(id: string): TrainingJob {
    const row = this.rows.get(id);
    if (!row) throw new Error(`no job ${id}`);
    return structuredClone(row);
  }

  /** Adds a row as a test needs it (defaults: queued, never attempted). */
  seed(fields: Partial<TrainingJob> & NewTrainingJob): TrainingJob {
    const job: TrainingJob = {
      id: randomUUID(),
      status: 'queued',
      progress: null,
      backend: null,
      backend_details: null,
      error: null,
      note: null,
      cancel_requested: false,
      attempts: 0,
      worker: null,
      // Strictly increasing, so "newest first" is well defined whatever the machine's clock does.
      created_at: new Date(Date.UTC(2026, 0, 1) + this.clock++ * 1000),
      started_at: null,
      finished_at: null,
      ...fields,
    };
    this.rows.set(job.id, structuredClone(job));
    return structuredClone(job);
  }

  findById(id: string): Promise<TrainingJob | null> {
    return Promise.resolve(this.rows.has(id) ? this.row(id) : null);
  }

  list(q: JobListQuery): Promise<{ rows: TrainingJob[]; total: number }> {
    const matched = [...this.rows.values()]
      .filter((j) => (!q.status || j.status === q.status) && (!q.model_id || j.model_id === q.model_id))
      .sort((a, b) => b.created_at.getTime() - a.created_at.getTime());
    return Promise.resolve({
      rows: matched.slice(q.offset, q.offset + q.limit).map((j) => structuredClone(j)),
      total: matched.length,
    });
  }

  countByStatus(): Promise<JobStatusCount[]> {
    const counts = new Map<string, number>();
    for (const j of this.rows.values()) counts.set(j.status, (counts.get(j.status) ?? 0) + 1);
    return Promise.resolve([...counts].map(([status, n]) => ({ status, n })));
  }

  queuedIds(): Promise<string[]> {
    return Promise.resolve([...this.rows.values()].filter((j) => j.status === 'queued').map((j) => j.id));
  }

  statuses(ids: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const id of ids) {
      const j = this.rows.get(id);
      if (j) out.set(id, j.status);
    }
    return Promise.resolve(out);
  }

  findByScheduleRun(runId: string): Promise<{ id: string; version: string } | null> {
    for (const j of this.rows.values()) {
      const schedule = (j.request as { schedule?: { run_id?: string } }).schedule;
      if (schedule?.run_id === runId) return Promise.resolve({ id: j.id, version: j.version });
    }
    return Promise.resolve(null);
  }

  insert(job: NewTrainingJob): Promise<TrainingJob> {
    return Promise.resolve(this.seed(job));
  }

  startAttempt(id: string, start: AttemptStart): Promise<void> {
    return this.update(id, () => ({
      status: 'running',
      worker: start.worker,
      started_at: new Date(),
      attempts: start.attempts,
      error: null,
      note: start.note,
      progress: start.progress as JobProgress,
    }));
  }

  setBackend(id: string, backend: string, details: Record<string, unknown> | null): Promise<void> {
    return this.update(id, () => ({ backend, backend_details: details }));
  }

  patchProgress(id: string, patch: Partial<JobProgress>): Promise<void> {
    return this.update(id, (j) => (j.status === 'running' ? { progress: merge(j.progress, patch) } : {}));
  }

  cancelRequested(id: string): Promise<boolean> {
    return Promise.resolve(this.rows.get(id)?.cancel_requested === true);
  }

  requestCancel(id: string): Promise<void> {
    return this.update(id, () => ({ cancel_requested: true }));
  }

  async cancelIfQueued(id: string): Promise<boolean> {
    if (this.rows.get(id)?.status !== 'queued') return false;
    await this.update(id, (j) => ({
      status: 'cancelled',
      cancel_requested: true,
      finished_at: new Date(),
      progress: merge(j.progress, FINAL_PROGRESS.cancelled),
    }));
    return true;
  }

  async handBack(id: string, worker: string, note: string, progress: Partial<JobProgress>): Promise<boolean> {
    const j = this.rows.get(id);
    if (j?.status !== 'running' || j.worker !== worker) return false;
    await this.update(id, () => ({ status: 'queued', note, progress: merge(j.progress, progress) }));
    return true;
  }

  finish(id: string, end: JobEnd): Promise<void> {
    return this.update(id, (j) => ({
      status: end.status,
      finished_at: new Date(),
      error: end.status === 'succeeded' ? null : end.status === 'failed' ? end.error : j.error,
      progress: merge(j.progress, FINAL_PROGRESS[end.status]),
    }));
  }

  /** Like an UPDATE … WHERE id: nothing happens for an unknown id. */
  private update(id: string, change: (j: TrainingJob) => Partial<TrainingJob>): Promise<void> {
    const j = this.rows.get(id);
    if (j) this.rows.set(id, { ...j, ...structuredClone(change(j)) });
    return Promise.resolve();
  }
}

function merge(progress: JobProgress | null, patch: Partial<JobProgress>): JobProgress {
  return { ...(progress ?? {}), ...patch } as JobProgress;
}
