import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Run, type RunStatus } from '../entities/run.entity';
import { updatedRows } from '../../database/updated-rows';
import { filterToSql, orderToSql } from '../search/run-filter';
import { RunsRepository, type NewExternalRun, type NewRun, type RunQuery } from './runs.repository';

@Injectable()
export class SqlRunsRepository extends RunsRepository {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  create(run: NewRun, tx: EntityManager = this.dataSource.manager): Promise<Run> {
    return tx.save(
      Run,
      tx.create(Run, {
        experiment_id: run.experimentId,
        name: run.name,
        status: run.status,
        params: run.params,
        tags: run.tags,
        model_id: run.modelId,
        model_version: run.modelVersion,
        start_time: new Date(),
        mlflow_sync_state: run.mlflowSyncState,
      }),
    );
  }

  async createExternal(run: NewExternalRun): Promise<string> {
    const [row] = await this.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO runs (experiment_id, name, status, params, tags, start_time, mlflow_sync_state) VALUES ($1, $2, 'RUNNING', $3::jsonb, $4::jsonb, $5, $6) RETURNING id`,
      [
        run.experimentId,
        run.name,
        JSON.stringify(run.params),
        JSON.stringify(run.tags),
        run.startTime,
        run.mlflowSyncState,
      ],
    );
    return row.id;
  }

  findById(id: string): Promise<Run | null> {
    return this.dataSource.getRepository(Run).findOneBy({ id });
  }

  async setStatus(id: string, status: RunStatus, end: boolean): Promise<void> {
    await this.dataSource.getRepository(Run).update({ id }, { status, ...(end ? { end_time: new Date() } : {}) });
  }

  async startAttempt(id: string, attempt: number, dropHistory: boolean): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      if (dropHistory) {
        await m.query(`DELETE FROM run_metrics WHERE run_id = $1`, [id]);
        await m.query(
          `UPDATE runs SET metrics = '{}'::jsonb, mlflow_metric_cursor = 0, mlflow_run_id = NULL,
                  mlflow_superseded_run_ids = CASE WHEN mlflow_run_id IS NULL THEN mlflow_superseded_run_ids ELSE mlflow_superseded_run_ids || to_jsonb(mlflow_run_id::text) END
            WHERE id = $1`,
          [id],
        );
      }
      await m.query(`UPDATE runs SET status = 'RUNNING', tags = tags || $2::jsonb WHERE id = $1`, [
        id,
        JSON.stringify({ attempt: String(attempt) }),
      ]);
    });
  }

  async finish(
    id: string,
    status: RunStatus,
    fields: { metrics: Record<string, number>; artifacts: string[] | null; tags: Record<string, string> },
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE runs SET status = $2, end_time = now(), metrics = metrics || $3::jsonb, artifacts = COALESCE($4::jsonb, artifacts), tags = tags || $5::jsonb WHERE id = $1`,
      [
        id,
        status,
        JSON.stringify(fields.metrics),
        fields.artifacts ? JSON.stringify(fields.artifacts) : null,
        JSON.stringify(fields.tags),
      ],
    );
  }

  async addParams(id: string, params: Record<string, string>): Promise<boolean> {
    // One statement: the check for a conflicting value and the merge cannot interleave with another call.
    const updated = await this.dataSource.query<unknown>(
      `UPDATE runs SET params = $2::jsonb || params WHERE id = $1
          AND NOT EXISTS (SELECT 1 FROM jsonb_each_text($2::jsonb) n WHERE (runs.params ->> n.key) IS NOT NULL AND (runs.params ->> n.key) <> n.value) RETURNING id`,
      [id, JSON.stringify(params)],
    );
    return updatedRows(updated).length > 0;
  }

  async mergeTags(id: string, tags: Record<string, string>): Promise<void> {
    await this.dataSource.query(`UPDATE runs SET tags = tags || $2::jsonb WHERE id = $1`, [id, JSON.stringify(tags)]);
  }

  async deleteTag(id: string, key: string): Promise<void> {
    await this.dataSource.query(`UPDATE runs SET tags = tags - $2::text WHERE id = $1`, [id, key]);
  }

  async update(id: string, fields: { status: RunStatus; name: string; endTime: Date | null }): Promise<void> {
    await this.dataSource.query(`UPDATE runs SET status = $2, name = $3, end_time = $4 WHERE id = $1`, [
      id,
      fields.status,
      fields.name,
      fields.endTime,
    ]);
  }

  async setDeleted(id: string, deleted: boolean): Promise<void> {
    await this.dataSource.query(
      `UPDATE runs SET deleted_at = ${deleted ? 'COALESCE(deleted_at, now())' : 'NULL'} WHERE id = $1`,
      [id],
    );
  }

  async search(q: RunQuery): Promise<{ runs: Run[]; total: number }> {
    const params: unknown[] = [...q.experimentIds];
    const where = [`r.experiment_id IN (${q.experimentIds.map((_, i) => `$${i + 1}::uuid`).join(', ')})`];
    if (q.lifecycle === 'active') where.push('r.deleted_at IS NULL');
    if (q.lifecycle === 'deleted') where.push('r.deleted_at IS NOT NULL');
    if (q.statuses.length) {
      where.push(`r.status IN (${q.statuses.map((s) => (params.push(s), `$${params.length}::text`)).join(', ')})`);
    }
    where.push(...filterToSql(q.clauses, params));
    const countParams = [...params];
    const orderSql = orderToSql(q.order, params);
    const [rows, [{ total }]] = await Promise.all([
      this.dataSource.query<Run[]>(
        `SELECT r.* FROM runs r WHERE ${where.join(' AND ')} ORDER BY ${orderSql} LIMIT ${Math.floor(q.limit)} OFFSET ${Math.floor(q.offset)}`,
        params,
      ),
      this.dataSource.query<Array<{ total: number }>>(
        `SELECT count(*)::int AS total FROM runs r WHERE ${where.join(' AND ')}`,
        countParams,
      ),
    ]);
    return { runs: rows, total };
  }
}
