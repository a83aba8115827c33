import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const RUN_STATUSES = ['RUNNING', 'FINISHED', 'FAILED', 'KILLED', 'SCHEDULED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** One run of an experiment (MLflow's vocabulary): params, final metrics, tags, artifacts. */
@Entity({ name: 'runs' })
@Index('IDX_runs_experiment', ['experiment_id'])
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
}
