import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Who made the prediction on its deployment: the active version, a shadow challenger (scored off the request path) or a canary (answered the request). */
export const PREDICTION_ROLES = ['active', 'shadow', 'canary'] as const;
export type PredictionRole = (typeof PREDICTION_ROLES)[number];

/**
 * One prediction served through a deployment, kept to be scored against what the market did
 * once its horizon has realised (live performance). One row per (deployment, version, series,
 * bar): the same bar predicted twice by the same version counts once. `realised` stays null
 * until the bar t + horizon is stored (scored_at null = still pending: the partial index the
 * scorer reads; scored_at set with realised null = never scorable, its bar was deleted); it is the version's own target (computeTarget) at
 * `as_of`, `price` the close at `as_of` (the cost model's divisor) and `realised_at` the bar
 * the target read. Rows older than DEPLOYMENT_PREDICTION_RETENTION_DAYS (by `served_at`) are deleted.
 */
@Entity({ name: 'deployment_predictions' })
// Bar before symbol: the same index serves "the latest N scored of a version on a deployment" (ORDER BY as_of DESC).
@Index('UQ_deployment_predictions_bar', ['deployment_id', 'version', 'as_of', 'symbol', 'timeframe'], { unique: true })
@Index('IDX_deployment_predictions_pending', ['symbol', 'timeframe', 'as_of'], { where: `"scored_at" IS NULL` })
@Index('IDX_deployment_predictions_served', ['served_at'])
export class DeploymentPrediction {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column({ type: 'uuid' })
  deployment_id: string;

  @Column({ type: 'varchar', length: 64 })
  model_id: string;

  @Column({ type: 'varchar', length: 20 })
  version: string;

  @Column({ type: 'varchar', length: 16 })
  role: PredictionRole;

  /** onnxruntime or tfjs: the engine that computed it. */
  @Column({ type: 'varchar', length: 16 })
  engine: string;

  @Column({ type: 'varchar', length: 32 })
  symbol: string;

  @Column({ type: 'varchar', length: 3 })
  timeframe: string;

  /** The stored bar the window ended on. */
  @Column({ type: 'timestamptz' })
  as_of: Date;

  /** Bars ahead the version's target reads (its signature's horizon). */
  @Column({ type: 'int' })
  horizon: number;

  @Column({ type: 'double precision' })
  predicted: number;

  @Column({ type: 'timestamptz' })
  served_at: Date;

  @Column({ type: 'double precision', nullable: true })
  realised: number | null;

  @Column({ type: 'double precision', nullable: true })
  price: number | null;

  @Column({ type: 'timestamptz', nullable: true })
  realised_at: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  scored_at: Date | null;
}
