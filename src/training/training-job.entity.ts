import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { JobProgress } from './job-progress';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export type { JobProgress } from './job-progress';

/**
 * A training job as users see it. The durable queue (pg-boss) carries only its id; this row
 * holds status, progress and the outcome.
 */
@Entity({ name: 'training_jobs' })
@Index('IDX_training_jobs_status_created', ['status', 'created_at'])
export class TrainingJob {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 64 })
  model_id: string;

  @Column({ type: 'varchar', length: 20 })
  version: string;

  @Column({ type: 'varchar', length: 16 })
  status: JobStatus;

  @Column({ type: 'varchar', length: 40 })
  model_type: string;

  /** The validated request, as the trainer will use it. */
  @Column({ type: 'jsonb' })
  request: Record<string, unknown>;

  @Column({ type: 'jsonb', nullable: true })
  progress: JobProgress | null;

  @Column({ type: 'varchar', length: 40, nullable: true })
  backend: string | null;

  /** What the backend ran on: version, SIMD/threads (wasm), the GPU adapter (webgpu). */
  @Column({ type: 'jsonb', nullable: true })
  backend_details: Record<string, unknown> | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  /** Not an error: why the job is on a later attempt (it was handed back or its worker died). */
  @Column({ type: 'text', nullable: true })
  note: string | null;

  @Column({ type: 'boolean', default: false })
  cancel_requested: boolean;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ type: 'uuid', nullable: true })
  run_id: string | null;

  /** The worker process running (or that last ran) the job: `host:pid`, for operators. */
  @Column({ type: 'varchar', length: 128, nullable: true })
  worker: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  created_at: Date;

  @Column({ type: 'timestamptz', nullable: true })
  started_at: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  finished_at: Date | null;
}
