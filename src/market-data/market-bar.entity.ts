import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One bar of one symbol at one timeframe, keyed by its UTC start time. Only `close` is
 * required: close-only series (one fix per period, such as the Fed's noon rates) are common.
 */
@Entity({ name: 'market_bars' })
export class MarketBar {
  @PrimaryColumn({ type: 'varchar', length: 7 })
  symbol: string;

  @PrimaryColumn({ type: 'varchar', length: 3 })
  timeframe: string;

  @PrimaryColumn({ type: 'timestamptz' })
  ts: Date;

  @Column({ type: 'double precision', nullable: true })
  open: number | null;

  @Column({ type: 'double precision', nullable: true })
  high: number | null;

  @Column({ type: 'double precision', nullable: true })
  low: number | null;

  @Column({ type: 'double precision' })
  close: number;

  @Column({ type: 'double precision', nullable: true })
  volume: number | null;

  /** import, demo or resample:<from timeframe> (see bar-source.ts); one per series. */
  @Column({ type: 'varchar', length: 32, default: 'import' })
  source: string;
}
