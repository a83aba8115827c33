import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const SWEEP_STATUSES = ['running', 'finalizing', 'succeeded', 'failed', 'cancelled'] as const;
export type SweepStatus = (typeof SWEEP_STATUSES)[number];
export const TRIAL_STATUSES = ['proposed', 'queued', 'running', 'succeeded', 'pruned', 'failed', 'cancelled'] as const;
export type TrialStatus = (typeof TRIAL_STATUSES)[number];

/** A hyperparameter sweep: its validated request, its parent run and, once trained, its winner. */
@Entity({ name: 'sweeps' })
@Index('IDX_sweeps_status', ['status'])
export class Sweep {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 16 })
  status: SweepStatus;

  @Column({ type: 'varchar', length: 16 })
  strategy: string;

  /** The validated request: base, space (keys sorted), objective, budget, parallelism, seed, early stopping. */
  @Column({ type: 'jsonb' })
  request: Record<string, unknown>;

  @Column({ type: 'uuid', nullable: true })
  parent_run_id: string | null;

  /** The job training the winner on the full pipeline (test scoring, registration). */
  @Column({ type: 'uuid', nullable: true })
  final_job_id: string | null;

  /** The winning trial, and the model version it was registered as. */
  @Column({ type: 'jsonb', nullable: true })
  best: Record<string, unknown> | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  created_at: Date;

  @Column({ type: 'timestamptz', nullable: true })
  finished_at: Date | null;
}

/** One trial of a sweep: a training job with proposed parameters, and its validation curve. */
@Entity({ name: 'sweep_trials' })
@Index('UQ_sweep_trials_sweep_index', ['sweep_id', 'index'], { unique: true })
export class SweepTrial {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  sweep_id: string;

  /** 0, 1, …: claiming the next index is how replicas agree on who proposes a trial. */
  @Column({ type: 'int' })
  index: number;

  @Column({ type: 'jsonb' })
  params: Record<string, unknown>;

  @Column({ type: 'varchar', length: 16 })
  status: TrialStatus;

  @Column({ type: 'uuid', nullable: true })
  job_id: string | null;

  @Column({ type: 'uuid', nullable: true })
  run_id: string | null;

  /** The best objective value of the curve (in its direction). */
  @Column({ type: 'double precision', nullable: true })
  objective: number | null;

  /** The objective metric per epoch, as logged. */
  @Column({ type: 'jsonb', default: [] })
  curve: number[];

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  created_at: Date;

  @Column({ type: 'timestamptz', nullable: true })
  finished_at: Date | null;
}
