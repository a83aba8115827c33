import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One request of a deployment at monitoring level `high`: inputs and outputs (the last N kept). */
@Entity({ name: 'deployment_request_logs' })
@Index('IDX_deployment_request_logs_deployment', ['deployment_id', 'id'])
export class DeploymentRequestLog {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column({ type: 'uuid' })
  deployment_id: string;

  @Column({ type: 'timestamptz' })
  at: Date;

  @Column({ type: 'boolean' })
  ok: boolean;

  @Column({ type: 'double precision' })
  latency_ms: number;

  /** Feature name → raw (unscaled) values, oldest first. */
  @Column({ type: 'jsonb' })
  inputs: Record<string, number[]>;

  @Column({ type: 'jsonb', nullable: true })
  outputs: unknown;
}
