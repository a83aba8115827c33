import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const ON_SUCCESS = ['register', 'deploy_if_better', 'shadow'] as const;
export type OnSuccess = (typeof ON_SUCCESS)[number];

/** The training window: the last `length` before the latest stored bar, or everything from `start_date` to it. */
export type ScheduleWindow = { kind: 'rolling'; length: string } | { kind: 'expanding'; start_date: string };

/**
 * A retraining schedule of one model. The cron expression fires through pg-boss's own
 * scheduling (its `schedule` table, keyed by this id); this row is the source of truth that
 * is registered there again at every start.
 */
@Entity({ name: 'schedules' })
@Index('IDX_schedules_model', ['model_id'])
export class Schedule {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 64 })
  model_id: string;

  @Column({ type: 'varchar', length: 120 })
  cron: string;

  /** IANA time zone the cron expression is read in. */
  @Column({ type: 'varchar', length: 64 })
  timezone: string;

  @Column({ type: 'jsonb' })
  window: ScheduleWindow;

  /** The train request each run sends, without start_date/end_date (the window sets them at run time). */
  @Column({ type: 'jsonb' })
  base: Record<string, unknown>;

  @Column({ type: 'varchar', length: 20 })
  on_success: OnSuccess;

  @Column({ type: 'boolean', default: false })
  paused: boolean;

  @CreateDateColumn({ type: 'timestamptz' })
  created_at: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updated_at: Date;
}

export const RUN_STATUSES = ['starting', 'queued', 'settling', 'succeeded', 'failed', 'cancelled', 'skipped'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** A run in one of these holds its schedule: another run of it is skipped as overlapping. */
export const ACTIVE_RUN: RunStatus[] = ['starting', 'queued', 'settling'];

/**
 * One firing of a schedule (by cron or run now): the training job it queued and what came of
 * it, or why it was skipped. At most one active run per schedule: the partial unique index is
 * what makes two replicas (or a duplicate delivery) agree that a second one overlaps.
 */
@Entity({ name: 'schedule_runs' })
@Index('UQ_schedule_runs_active', ['schedule_id'], {
  unique: true,
  where: `"status" IN ('starting', 'queued', 'settling')`,
})
@Index('UQ_schedule_runs_trigger', ['trigger_id'], { unique: true })
@Index('IDX_schedule_runs_schedule_created', ['schedule_id', 'created_at'])
@Index('IDX_schedule_runs_job', ['job_id'])
export class ScheduleRun {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  schedule_id: string;

  /** cron (pg-boss fired it) or manual (POST /schedules/{id}/run). */
  @Column({ type: 'varchar', length: 8 })
  trigger: 'cron' | 'manual';

  /** The pg-boss job that fired a cron run: a redelivery of the same job finds its run here. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  trigger_id: string | null;

  @Column({ type: 'varchar', length: 16 })
  status: RunStatus;

  @Column({ type: 'uuid', nullable: true })
  job_id: string | null;

  @Column({ type: 'varchar', length: 20, nullable: true })
  version: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  window_start: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  window_end: Date | null;

  /** registered | deployed | not_deployed | shadowed | not_shadowed | failed | cancelled | skipped, once the run is over. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  outcome: string | null;

  /** Why it was skipped or failed, what the deploy_if_better comparison found, or where shadow put the version. */
  @Column({ type: 'text', nullable: true })
  reason: string | null;

  /** deploy_if_better: the metric, the new version's value and each active deployment's; shadow: each active deployment and whether it got the challenger. */
  @Column({ type: 'jsonb', nullable: true })
  comparison: Record<string, unknown> | null;

  @CreateDateColumn({ type: 'timestamptz' })
  created_at: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updated_at: Date;

  @Column({ type: 'timestamptz', nullable: true })
  finished_at: Date | null;
}
