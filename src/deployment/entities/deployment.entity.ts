import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const DEPLOYMENT_STATUSES = ['active', 'replaced', 'rolled_back', 'undeployed'] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

/** The decay test's verdict on the active version's live predictions (null until first evaluated). */
export const PERFORMANCE_STATUSES = ['ok', 'degraded', 'insufficient_data', 'no_backtest', 'not_scored'] as const;
export type PerformanceStatus = (typeof PERFORMANCE_STATUSES)[number];

/** How a challenger version runs beside the active one on a deployment (see src/deployment/challengers). */
export const CHALLENGER_MODES = ['shadow', 'canary'] as const;
export type ChallengerMode = (typeof CHALLENGER_MODES)[number];

export const MONITORING_LEVELS = ['low', 'medium', 'high'] as const;
export type MonitoringLevel = (typeof MONITORING_LEVELS)[number];

/**
 * One deployment of a model version to a target. Rows are never deleted: a replaced, rolled
 * back or undeployed deployment keeps its row (the history). At most one row per
 * (model, target) is `active` — enforced by the partial unique index below as well as by the
 * service's lock on the model.
 */
@Entity({ name: 'deployments' })
@Index('UQ_deployments_active_model_target', ['model_id', 'target'], { unique: true, where: `"status" = 'active'` })
@Index('IDX_deployments_model_deployed', ['model_id', 'deployed_at'])
@Index('IDX_deployments_target_status', ['target', 'status'])
export class Deployment {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 64 })
  model_id: string;

  @Column({ type: 'varchar', length: 20 })
  version: string;

  @Column({ type: 'varchar', length: 64 })
  target: string;

  @Column({ type: 'double precision' })
  scaling_factor: number;

  @Column({ type: 'varchar', length: 8 })
  monitoring_level: MonitoringLevel;

  @Column({ type: 'varchar', length: 16 })
  status: DeploymentStatus;

  @Column({ type: 'timestamptz' })
  deployed_at: Date;

  /** When it stopped being active (replaced, rolled back or undeployed). */
  @Column({ type: 'timestamptz', nullable: true })
  ended_at: Date | null;

  /** The deployment that ended this one (replace or rollback). */
  @Column({ type: 'uuid', nullable: true })
  ended_by_deployment_id: string | null;

  /** The active deployment this one displaced on its target, and its version. */
  @Column({ type: 'uuid', nullable: true })
  replaced_deployment_id: string | null;

  @Column({ type: 'varchar', length: 20, nullable: true })
  replaced_version: string | null;

  /** What a rollback of this deployment restores (a stack: a rollback of a rollback goes further back). */
  @Column({ type: 'uuid', nullable: true })
  rollback_to_deployment_id: string | null;

  /** Set on a deployment made by a rollback: the earlier deployment whose version and settings it restored. */
  @Column({ type: 'uuid', nullable: true })
  restored_deployment_id: string | null;

  /** Live performance of the active version (see performance/): `degraded` when its live IC fell below the backtest's. */
  @Column({ type: 'varchar', length: 24, nullable: true })
  performance_status: PerformanceStatus | null;

  @Column({ type: 'timestamptz', nullable: true })
  performance_changed_at: Date | null;

  /**
   * A challenger beside the active version (only meaningful while this row is `active`):
   * shadow — scores every request off the request path; canary — answers `canary_share` of them.
   * Kept on the row when it ends (the history says which challenger ran when).
   */
  @Column({ type: 'varchar', length: 20, nullable: true })
  challenger_version: string | null;

  @Column({ type: 'varchar', length: 8, nullable: true })
  challenger_mode: ChallengerMode | null;

  @Column({ type: 'double precision', nullable: true })
  canary_share: number | null;

  @Column({ type: 'timestamptz', nullable: true })
  challenger_since: Date | null;
}
