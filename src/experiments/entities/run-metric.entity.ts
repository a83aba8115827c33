import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One logged value of a metric (per epoch, or per step for runs logged from outside). */
@Entity({ name: 'run_metrics' })
@Index('IDX_run_metrics_run_key_step', ['run_id', 'key', 'step'])
export class RunMetric {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column({ type: 'uuid' })
  run_id: string;

  @Column({ type: 'varchar', length: 250 })
  key: string;

  @Column({ type: 'double precision' })
  value: number;

  @Column({ type: 'bigint', default: 0 })
  step: string;

  @Column({ type: 'timestamptz' })
  timestamp: Date;
}
