import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Cumulative monitoring counters of one deployment (one row, updated by the monitoring
 * flush under a row lock). Which fields fill depends on the deployment's monitoring level:
 * low — requests and errors; medium — plus latency histogram and prediction distribution.
 */
@Entity({ name: 'deployment_metrics' })
export class DeploymentMetrics {
  @PrimaryColumn({ type: 'uuid' })
  deployment_id: string;

  @Column({ type: 'bigint', default: 0 })
  requests: string;

  @Column({ type: 'bigint', default: 0 })
  errors: string;

  /** Counts per fixed latency bucket (LATENCY_BUCKETS_MS, plus one overflow bucket). */
  @Column({ type: 'jsonb', default: [] })
  latency_counts: number[];

  @Column({ type: 'double precision', default: 0 })
  latency_sum_ms: number;

  @Column({ type: 'bigint', default: 0 })
  prediction_count: string;

  @Column({ type: 'double precision', default: 0 })
  prediction_sum: number;

  @Column({ type: 'double precision', default: 0 })
  prediction_sumsq: number;

  @Column({ type: 'double precision', nullable: true })
  prediction_min: number | null;

  @Column({ type: 'double precision', nullable: true })
  prediction_max: number | null;

  /** The most recent numeric predictions (at most MONITORING_RETENTION), for quantiles and the histogram. */
  @Column({ type: 'jsonb', default: [] })
  prediction_sample: number[];

  /** Counts of categorical predictions (class labels). */
  @Column({ type: 'jsonb', default: {} })
  label_counts: Record<string, number>;

  @Column({ type: 'timestamptz', nullable: true })
  first_request_at: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  last_request_at: Date | null;
}
