import type { EntityManager } from 'typeorm';
import { updatedRows } from '../../database/updated-rows';
import { ModelVersion, type VersionStatus } from '../entities/model-version.entity';
import { insertHistory, type HistoryRecord } from '../history/history.sql';
import { insertTrial, type TrialRecord } from '../trials/trials.sql';
import type { RegistryTx } from './models.repository';
import type { AliasRow, ModelRow, NewModelRow, NewVersionRow, VersionFields } from './registry-rows';

/** The registry's SQL on one EntityManager: a transaction's, or the DataSource's own (autocommit). */
export class PgRegistryTx implements RegistryTx {
  constructor(private readonly m: EntityManager) {}

  async insertModelIfAbsent(r: NewModelRow): Promise<void> {
    await this.m.query(
      `INSERT INTO models (id, name, type, description, tags) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
      [r.id, r.name, r.type, r.description, JSON.stringify(r.tags)],
    );
  }

  async findModel(id: string, forUpdate: boolean): Promise<ModelRow | null> {
    const [row] = await this.m.query<ModelRow[]>(
      `SELECT * FROM models WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return row ?? null;
  }

  async touchModel(id: string, name: string, description: string | null): Promise<void> {
    await this.m.query(
      `UPDATE models SET updated_at = now(), name = $2, description = COALESCE($3, description) WHERE id = $1`,
      [id, name, description],
    );
  }

  async archiveModel(id: string): Promise<void> {
    await this.m.query(`UPDATE models SET archived_at = now(), updated_at = now() WHERE id = $1`, [id]);
    await this.m.query(
      `UPDATE model_versions SET status = 'archived' WHERE model_id = $1 AND status = 'experimental'`,
      [id],
    );
  }

  async versionNumbers(modelId: string): Promise<string[]> {
    const rows = await this.m.query<Array<{ version: string }>>(
      `SELECT version FROM model_versions WHERE model_id = $1`,
      [modelId],
    );
    return rows.map((r) => r.version);
  }

  insertVersion(row: NewVersionRow): Promise<ModelVersion> {
    return this.m.save(ModelVersion, this.m.create(ModelVersion, row));
  }

  async updateVersion(modelId: string, version: string, fields: VersionFields): Promise<void> {
    await this.m.update(ModelVersion, { model_id: modelId, version }, fields as Parameters<EntityManager['update']>[2]);
  }

  async versionStatus(modelId: string, version: string): Promise<VersionStatus | null> {
    const [row] = await this.m.query<Array<{ status: VersionStatus }>>(
      `SELECT status FROM model_versions WHERE model_id = $1 AND version = $2`,
      [modelId, version],
    );
    return row?.status ?? null;
  }

  async versionsWithStatus(modelId: string, statuses: readonly VersionStatus[]): Promise<string[]> {
    const rows = await this.m.query<Array<{ version: string }>>(
      `SELECT version FROM model_versions WHERE model_id = $1 AND status = ANY($2::varchar[])`,
      [modelId, [...statuses]],
    );
    return rows.map((r) => r.version);
  }

  async findAlias(modelId: string, alias: string): Promise<AliasRow | null> {
    const [row] = await this.m.query<AliasRow[]>(`SELECT * FROM model_aliases WHERE model_id = $1 AND alias = $2`, [
      modelId,
      alias,
    ]);
    return row ?? null;
  }

  async countAliases(modelId: string): Promise<number> {
    const [{ n }] = await this.m.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM model_aliases WHERE model_id = $1`,
      [modelId],
    );
    return n;
  }

  async insertAlias(modelId: string, alias: string, version: string): Promise<AliasRow> {
    const [row] = await this.m.query<AliasRow[]>(
      `INSERT INTO model_aliases (model_id, alias, version) VALUES ($1, $2, $3) RETURNING *`,
      [modelId, alias, version],
    );
    return row;
  }

  async moveAlias(modelId: string, alias: string, version: string): Promise<AliasRow> {
    const [row] = updatedRows<AliasRow>(
      await this.m.query<unknown>(
        `UPDATE model_aliases SET version = $3, updated_at = now() WHERE model_id = $1 AND alias = $2 RETURNING *`,
        [modelId, alias, version],
      ),
    );
    return row;
  }

  async deleteAlias(modelId: string, alias: string): Promise<AliasRow | null> {
    const [gone] = updatedRows<AliasRow>(
      await this.m.query<unknown>(`DELETE FROM model_aliases WHERE model_id = $1 AND alias = $2 RETURNING *`, [
        modelId,
        alias,
      ]),
    );
    return gone ?? null;
  }

  async deleteAliases(modelId: string): Promise<AliasRow[]> {
    return updatedRows<AliasRow>(
      await this.m.query<unknown>(`DELETE FROM model_aliases WHERE model_id = $1 RETURNING *`, [modelId]),
    );
  }

  recordHistory(record: HistoryRecord): Promise<void> {
    return insertHistory(this.m, record);
  }

  recordTrial(trial: TrialRecord): Promise<void> {
    return insertTrial(this.m, trial);
  }
}
