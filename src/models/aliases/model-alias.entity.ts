import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * A named pointer to one version of a model (`champion` → 1.2.0). Predict and deploy accept
 * `"@champion"` and read the row at request time. Rows only point at trained versions
 * (experimental or deployed): setting one on anything else is refused, and archiving the
 * model deletes its aliases (recorded in model_history), so no alias dangles.
 */
@Entity({ name: 'model_aliases' })
@Index('IDX_model_aliases_model_version', ['model_id', 'version'])
export class ModelAlias {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  model_id: string;

  @PrimaryColumn({ type: 'varchar', length: 64 })
  alias: string;

  @Column({ type: 'varchar', length: 20 })
  version: string;

  @CreateDateColumn({ type: 'timestamptz' })
  created_at: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updated_at: Date;
}
