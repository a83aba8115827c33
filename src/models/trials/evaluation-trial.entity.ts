import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One version evaluated on one test span (symbols, timeframe, first and last test sample):
 * the "trials" a deflated Sharpe ratio is deflated by. Every retrain and every tried
 * hyperparameter set that scores on the same span adds one row; the count per span is the
 * trials counter. One row per version (unique), so a retried job does not count twice.
 */
@Entity({ name: 'evaluation_trials' })
@Index('UQ_evaluation_trials_span_version', ['span_key', 'model_id', 'version'], { unique: true })
export class EvaluationTrial {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** sha256 of [sorted symbols, timeframe, first, last] (training/evaluation/significance/report.ts). */
  @Column({ type: 'varchar', length: 64 })
  span_key: string;

  @Column({ type: 'jsonb' })
  symbols: string[];

  @Column({ type: 'varchar', length: 3 })
  timeframe: string;

  @Column({ type: 'timestamptz' })
  test_first: Date;

  @Column({ type: 'timestamptz' })
  test_last: Date;

  @Column({ type: 'varchar', length: 64 })
  model_id: string;

  @Column({ type: 'varchar', length: 20 })
  version: string;

  /** The strategy's annualised Sharpe on the span; null when it had none (no variation). */
  @Column({ type: 'double precision', nullable: true })
  sharpe: number | null;

  @Column({ type: 'double precision' })
  periods_per_year: number;

  @CreateDateColumn({ type: 'timestamptz' })
  created_at: Date;
}
