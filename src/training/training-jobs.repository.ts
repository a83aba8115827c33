import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { updatedRows } from '../database/updated-rows';
import type { JobProgress } from './job-progress';
import { TrainingJob, type JobStatus } from './training-job.entity';

/** What a new job row is given; the rest (status `queued`, counters, timestamps) are defaults. */
export type NewTrainingJob = Pick<TrainingJob, 'model_id' | 'version' | 'model_type' | 'request' | 'run_id'>;

/** What an attempt sets when a worker claims the job (status `running`, started now, no error). */
export interface AttemptStart {
  worker: string;
  attempts: number;
  note: string | null;
  progress: Partial<JobProgress>;
}

export interface JobListQuery {
  status?: JobStatus;
  model_id?: string;
  limit: number;
  offset: number;
}

/** A final state and why (`error` for failed jobs only). */
export type JobEnd = { status: 'succeeded' } | { status: 'failed'; error: string } | { status: 'cancelled' };

/** How many jobs are in one status (the metrics gauge). */
export interface JobStatusCount {
  status: string;
  n: number;
}

/**
 * Every read and write of the `training_jobs` table: the training module's only SQL on it.
 * An abstract class so that Nest can inject it by type and tests can hand the service and the
 * runner an in-memory one (testing/in-memory-training-jobs.repository.ts).
 */
export abstract class TrainingJobsRepository {
  abstract findById(id: string): Promise<TrainingJob | null>;
  /** Newest first, with the total that matched. */
  abstract list(q: JobListQuery): Promise<{ rows: TrainingJob[]; total: number }>;
  abstract countByStatus(): Promise<JobStatusCount[]>;
  /** Jobs still `queued` (their queue message may never have been sent: a crash after the commit). */
  abstract queuedIds(): Promise<string[]>;
  /** The statuses of these jobs (those that exist). */
  abstract statuses(ids: string[]): Promise<Map<string, string>>;
  /** The job a schedule's run queued (its request names the run: request.schedule.run_id). */
  abstract findByScheduleRun(runId: string): Promise<{ id: string; version: string } | null>;
  /** Inserts a queued job, in the caller's transaction (with the version and run it belongs to). */
  abstract insert(job: NewTrainingJob, manager?: EntityManager): Promise<TrainingJob>;

  abstract startAttempt(id: string, start: AttemptStart): Promise<void>;
  abstract setBackend(id: string, backend: string, details: Record<string, unknown> | null): Promise<void>;
  /** Merges `patch` into the progress of a running job (a finished job's progress stays as it ended). */
  abstract patchProgress(id: string, patch: Partial<JobProgress>): Promise<void>;
  abstract cancelRequested(id: string): Promise<boolean>;
  abstract requestCancel(id: string): Promise<void>;
  /** Cancels the job if it is still queued at the moment of the write; false when a worker claimed it first. */
  abstract cancelIfQueued(id: string): Promise<boolean>;
  /** Back to `queued` with a note, only while the row is still `running` on `worker`; false otherwise. */
  abstract handBack(id: string, worker: string, note: string, progress: Partial<JobProgress>): Promise<boolean>;
  /** The final state: finished now, the progress phase says it (done, failed, cancelled). */
  abstract finish(id: string, end: JobEnd): Promise<void>;
}

const FINAL_PROGRESS: Record<JobEnd['status'], Partial<JobProgress>> = {
  succeeded: { phase: 'done', eta_seconds: 0 },
  failed: { phase: 'failed', eta_seconds: null },
  cancelled: { phase: 'cancelled', eta_seconds: null },
};

/** The table on PostgreSQL (or PGlite) through the one DataSource. */
@Injectable()
export class SqlTrainingJobsRepository extends TrainingJobsRepository {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  private get jobs() {
    return this.dataSource.getRepository(TrainingJob);
  }

  findById(id: string): Promise<TrainingJob | null> {
    return this.jobs.findOneBy({ id });
  }

  async list(q: JobListQuery): Promise<{ rows: TrainingJob[]; total: number }> {
    const where: Partial<Pick<TrainingJob, 'status' | 'model_id'>> = {};
    if (q.status) where.status = q.status;
    if (q.model_id) where.model_id = q.model_id;
    const [rows, total] = await this.jobs.findAndCount({
      where,
      order: { created_at: 'DESC' },
      take: q.limit,
      skip: q.offset,
    });
    return { rows, total };
  }

  countByStatus(): Promise<JobStatusCount[]> {
    return this.dataSource.query<JobStatusCount[]>(
      `SELECT status, count(*)::int AS n FROM training_jobs GROUP BY status`,
    );
  }

  async queuedIds(): Promise<string[]> {
    const rows = await this.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM training_jobs WHERE status = 'queued'`,
    );
    return rows.map((r) => r.id);
  }

  async statuses(ids: string[]): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const rows = await this.dataSource.query<Array<{ id: string; status: string }>>(
      `SELECT id, status FROM training_jobs WHERE id = ANY($1)`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.status]));
  }

  async findByScheduleRun(runId: string): Promise<{ id: string; version: string } | null> {
    const rows = await this.dataSource.query<Array<{ id: string; version: string }>>(
      `SELECT id, version FROM training_jobs WHERE request->'schedule'->>'run_id' = $1 LIMIT 1`,
      [runId],
    );
    return rows[0] ?? null;
  }

  insert(job: NewTrainingJob, manager: EntityManager = this.dataSource.manager): Promise<TrainingJob> {
    return manager.save(TrainingJob, manager.create(TrainingJob, { ...job, status: 'queued' }));
  }

  async startAttempt(id: string, start: AttemptStart): Promise<void> {
    await this.dataSource.query(
      `UPDATE training_jobs SET status = 'running', worker = $2, started_at = now(), attempts = $3, error = NULL, note = $4, progress = $5::jsonb WHERE id = $1`,
      [id, start.worker, start.attempts, start.note, JSON.stringify(start.progress)],
    );
  }

  async setBackend(id: string, backend: string, details: Record<string, unknown> | null): Promise<void> {
    // JSON.stringify(null) is a JSON null: what this column always got before the thread reported.
    await this.dataSource.query(`UPDATE training_jobs SET backend = $2, backend_details = $3::jsonb WHERE id = $1`, [
      id,
      backend,
      JSON.stringify(details),
    ]);
  }

  async patchProgress(id: string, patch: Partial<JobProgress>): Promise<void> {
    await this.dataSource.query(
      `UPDATE training_jobs SET progress = COALESCE(progress, '{}'::jsonb) || $2::jsonb WHERE id = $1 AND status = 'running'`,
      [id, JSON.stringify(patch)],
    );
  }

  async cancelRequested(id: string): Promise<boolean> {
    const [row] = await this.dataSource.query<Array<{ cancel_requested: boolean }>>(
      `SELECT cancel_requested FROM training_jobs WHERE id = $1`,
      [id],
    );
    return row?.cancel_requested === true;
  }

  async requestCancel(id: string): Promise<void> {
    await this.dataSource.query(`UPDATE training_jobs SET cancel_requested = true WHERE id = $1`, [id]);
  }

  async cancelIfQueued(id: string): Promise<boolean> {
    const result: unknown = await this.dataSource.query(
      `UPDATE training_jobs SET status = 'cancelled', cancel_requested = true, finished_at = now(), progress = COALESCE(progress, '{}'::jsonb) || $2::jsonb WHERE id = $1 AND status = 'queued' RETURNING id`,
      [id, JSON.stringify(FINAL_PROGRESS.cancelled)],
    );
    return updatedRows(result).length > 0;
  }

  async handBack(id: string, worker: string, note: string, progress: Partial<JobProgress>): Promise<boolean> {
    const result: unknown = await this.dataSource.query(
      `UPDATE training_jobs SET status = 'queued', note = $2, progress = COALESCE(progress, '{}'::jsonb) || $3::jsonb WHERE id = $1 AND status = 'running' AND worker = $4 RETURNING id`,
      [id, note, JSON.stringify(progress), worker],
    );
    return updatedRows(result).length > 0;
  }

  async finish(id: string, end: JobEnd): Promise<void> {
    // A cancelled job keeps the error an earlier attempt may have left (as it always did).
    const error = end.status === 'succeeded' ? 'NULL' : end.status === 'failed' ? '$3' : 'error';
    await this.dataSource.query(
      `UPDATE training_jobs SET status = '${end.status}', finished_at = now(), error = ${error}, progress = COALESCE(progress, '{}'::jsonb) || $2::jsonb WHERE id = $1`,
      [id, JSON.stringify(FINAL_PROGRESS[end.status]), ...(end.status === 'failed' ? [end.error] : [])],
    );
  }
}
