import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const MODEL_HISTORY_EVENTS = ['alias_set', 'alias_moved', 'alias_removed'] as const;
export type ModelHistoryEvent = (typeof MODEL_HISTORY_EVENTS)[number];

/**
 * The model's history: one row per change of its aliases (set, moved, removed), never
 * updated or deleted. A serial id orders the rows even when several share a timestamp (an
 * archive removes every alias in one transaction). `reason` says why when the service made
 * the change itself (`model_archived`); null for a user's request.
 */
@Entity({ name: 'model_history' })
@Index('IDX_model_history_model_id', ['model_id', 'id'])
export class ModelHistoryEntry {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'varchar', length: 64 })
  model_id: string;

  @Column({ type: 'varchar', length: 32 })
  event: ModelHistoryEvent;

  @Column({ type: 'varchar', length: 64, nullable: true })
  alias: string | null;

  /** The version the alias points to after the change (null once removed). */
  @Column({ type: 'varchar', length: 20, nullable: true })
  version: string | null;

  /** The version it pointed to before (null when it is new). */
  @Column({ type: 'varchar', length: 20, nullable: true })
  previous_version: string | null;

  @Column({ type: 'varchar', length: 32, nullable: true })
  reason: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  created_at: Date;
}
