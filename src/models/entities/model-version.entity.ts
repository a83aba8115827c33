import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const VERSION_STATUSES = [
  'queued',
  'training',
  'experimental',
  'deployed',
  'failed',
  'cancelled',
  'archived',
] as const;
export type VersionStatus = (typeof VERSION_STATUSES)[number];

/** One trained (or training) version of a model: everything needed to trust and reload it. */
@Entity({ name: 'model_versions' })
@Index('UQ_model_versions_model_version', ['model_id', 'version'], { unique: true })
export class ModelVersion {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 64 })
  model_id: string;

  /** Semantic version: 1.0.0, 1.1.0, … */
  @Column({ type: 'varchar', length: 20 })
  version: string;

  @Column({ type: 'varchar', length: 16 })
  status: VersionStatus;

  @Column({ type: 'varchar', length: 40, nullable: true })
  architecture: string | null;

  @Column({ type: 'jsonb', default: {} })
  metrics: Record<string, unknown>;

  @Column({ type: 'jsonb', default: {} })
  baselines: Record<string, unknown>;

  /** Where each split part starts and ends, purged and dropped counts (training/evaluation/splits.ts). */
  @Column({ type: 'jsonb', nullable: true })
  splits: Record<string, unknown> | null;

  /** Walk-forward evaluation: per fold its spans, sample count and metrics, and the combined block (training/walk-forward). */
  @Column({ type: 'jsonb', nullable: true })
  walk_forward: Record<string, unknown> | null;

  /** Significance of the test metrics, fixed at evaluation (training/evaluation/significance). */
  @Column({ type: 'jsonb', nullable: true })
  significance: Record<string, unknown> | null;

  @Column({ type: 'jsonb', default: [] })
  features: string[];

  @Column({ type: 'varchar', length: 64 })
  target: string;

  @Column({ type: 'jsonb', default: [] })
  symbols: string[];

  @Column({ type: 'varchar', length: 3 })
  timeframe: string;

  @Column({ type: 'int' })
  window: number;

  @Column({ type: 'int', nullable: true })
  horizon: number | null;

  @Column({ type: 'jsonb', default: {} })
  hyperparameters: Record<string, unknown>;

  /** The data configuration (range, splits, scaler, seed) the version was trained on. */
  @Column({ type: 'jsonb', default: {} })
  data_config: Record<string, unknown>;

  @Column({ type: 'varchar', length: 80, nullable: true })
  data_fingerprint: string | null;

  @Column({ type: 'varchar', length: 40, nullable: true })
  backend: string | null;

  /** What the backend ran on: version, SIMD/threads (wasm), the GPU adapter (webgpu). */
  @Column({ type: 'jsonb', nullable: true })
  backend_details: Record<string, unknown> | null;

  @Column({ type: 'int', nullable: true })
  duration_ms: number | null;

  @Column({ type: 'varchar', length: 80, nullable: true })
  artifact_checksum: string | null;

  @Column({ type: 'uuid', nullable: true })
  job_id: string | null;

  @Column({ type: 'uuid', nullable: true })
  run_id: string | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  created_at: Date;

  @Column({ type: 'timestamptz', nullable: true })
  trained_at: Date | null;
}
