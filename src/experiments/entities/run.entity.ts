import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const RUN_STATUSES = ['RUNNING', 'FINISHED', 'FAILED', 'KILLED', 'SCHEDULED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['FINISHED', 'FAILED', 'KILLED'];
export type MlflowSyncState = 'pending' | 'synced' | 'failed';

/** One run of an experiment (MLflow's vocabulary): params, final metrics, tags, artifacts. */
@Entity({ name: 'runs' })
@Index('IDX_runs_experiment', ['experiment_id'])
@Index('IDX_runs_mlflow_pending', ['mlflow_sync_state'], { where: `"mlflow_sync_state" = 'pending'` })
export class Run {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  experiment_id: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 16 })
  status: RunStatus;

  @Column({ type: 'jsonb', default: {} })
  params: Record<string, string>;

  /** Latest value of every metric key. */
  @Column({ type: 'jsonb', default: {} })
  metrics: Record<string, number>;

  @Column({ type: 'jsonb', default: {} })
  tags: Record<string, string>;

  /** Files of the run, relative to MODEL_REGISTRY_PATH. */
  @Column({ type: 'jsonb', default: [] })
  artifacts: string[];

  @Column({ type: 'varchar', length: 64, nullable: true })
  model_id: string | null;

  @Column({ type: 'varchar', length: 20, nullable: true })
  model_version: string | null;

  @Column({ type: 'timestamptz' })
  start_time: Date;

  @Column({ type: 'timestamptz', nullable: true })
  end_time: Date | null;

  /** Soft delete (MLflow's lifecycle_stage "deleted"); restore clears it. */
  @Column({ type: 'timestamptz', nullable: true })
  deleted_at: Date | null;

  /** The run's id on the MLflow server it is mirrored to (EXPERIMENT_TRACKING_URI), once created there. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  mlflow_run_id: string | null;

  /** pending | synced | failed; null when no mirror was configured for the run. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  mlflow_sync_state: MlflowSyncState | null;

  @Column({ type: 'text', nullable: true })
  mlflow_error: string | null;

  /** The last run_metrics.id already sent to MLflow (metric history is mirrored incrementally). */
  @Column({ type: 'bigint', default: 0 })
  mlflow_metric_cursor: string;

  /**
   * MLflow runs of this run's interrupted attempts (a retried training job): MLflow cannot
   * delete metric history, so each attempt is its own MLflow run; the mirror ends these KILLED.
   */
  @Column({ type: 'jsonb', default: [] })
  mlflow_superseded_run_ids: string[];
}
