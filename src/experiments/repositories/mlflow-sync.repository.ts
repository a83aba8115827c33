import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { RunStatus } from '../entities/run.entity';

/** What one mirror pass reads of a run. */
export interface SyncRunRow {
  id: string;
  name: string;
  status: RunStatus;
  params: Record<string, string>;
  metrics: Record<string, number>;
  tags: Record<string, string>;
  model_id: string | null;
  model_version: string | null;
  start_time: Date;
  end_time: Date | null;
  mlflow_run_id: string | null;
  /** The last run_metrics.id sent (a bigint, as a string). */
  mlflow_metric_cursor: string;
  mlflow_superseded_run_ids: string[];
  experiment_name: string;
}

/** A metric history row after the cursor. */
export interface SyncMetricRow {
  id: string;
  key: string;
  value: number;
  step: number;
  timestamp: Date;
}

/**
 * The MLflow mirror's state on a run: `mlflow_sync_state`, `mlflow_error`, `mlflow_run_id`,
 * `mlflow_metric_cursor`, `mlflow_superseded_run_ids`, and the reads a pass needs.
 */
@Injectable()
export class MlflowSyncRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Runs left pending (by a stop or crash before their sync finished), oldest first. */
  async pendingRunIds(): Promise<string[]> {
    const rows = await this.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM runs WHERE mlflow_sync_state = 'pending' ORDER BY start_time`,
    );
    return rows.map((r) => r.id);
  }

  async markPending(runId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE runs SET mlflow_sync_state = 'pending' WHERE id = $1 AND mlflow_sync_state IS DISTINCT FROM 'pending'`,
      [runId],
    );
  }

  /** The last failure while the run stays pending (it will be retried). */
  async noteError(runId: string, message: string): Promise<void> {
    await this.dataSource.query(`UPDATE runs SET mlflow_error = $2 WHERE id = $1`, [runId, message]);
  }

  async markFailed(runId: string, message: string): Promise<void> {
    await this.dataSource.query(`UPDATE runs SET mlflow_sync_state = 'failed', mlflow_error = $2 WHERE id = $1`, [
      runId,
      message,
    ]);
  }

  async readRun(runId: string): Promise<SyncRunRow | undefined> {
    const [row] = await this.dataSource.query<SyncRunRow[]>(
      `SELECT r.id, r.name, r.status, r.params, r.metrics, r.tags, r.model_id, r.model_version, r.start_time, r.end_time,
              r.mlflow_run_id, r.mlflow_metric_cursor, r.mlflow_superseded_run_ids, e.name AS experiment_name
         FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = $1`,
      [runId],
    );
    return row;
  }

  async setMlflowRunId(runId: string, mlflowRunId: string): Promise<void> {
    await this.dataSource.query(`UPDATE runs SET mlflow_run_id = $2 WHERE id = $1`, [runId, mlflowRunId]);
  }

  /** These superseded MLflow runs have been ended there. */
  async dropSuperseded(runId: string, mlflowRunIds: string[]): Promise<void> {
    await this.dataSource.query(
      `UPDATE runs SET mlflow_superseded_run_ids = mlflow_superseded_run_ids - $2::text[] WHERE id = $1`,
      [runId, mlflowRunIds],
    );
  }

  /** Keys that have a history (the rest of the run's metrics are final values only). */
  async keysWithHistory(runId: string): Promise<Set<string>> {
    const rows = await this.dataSource.query<Array<{ key: string }>>(
      `SELECT DISTINCT key FROM run_metrics WHERE run_id = $1`,
      [runId],
    );
    return new Set(rows.map((r) => r.key));
  }

  /** History rows stored after `cursor`, in storage order. */
  async metricsAfter(runId: string, cursor: string, limit: number): Promise<SyncMetricRow[]> {
    const rows = await this.dataSource.query<Array<Omit<SyncMetricRow, 'step'> & { step: string }>>(
      `SELECT id, key, value, step, timestamp FROM run_metrics WHERE run_id = $1 AND id > $2 ORDER BY id LIMIT ${Math.floor(limit)}`,
      [runId, cursor],
    );
    return rows.map((r) => ({ ...r, id: String(r.id), value: Number(r.value), step: Number(r.step) }));
  }

  /**
   * Only while the run still mirrors to this MLflow run: a retry that started meanwhile reset
   * the cursor for its own new MLflow run.
   */
  async advanceCursor(runId: string, cursor: string, mlflowRunId: string): Promise<void> {
    await this.dataSource.query(`UPDATE runs SET mlflow_metric_cursor = $2 WHERE id = $1 AND mlflow_run_id = $3`, [
      runId,
      cursor,
      mlflowRunId,
    ]);
  }

  /** A pass succeeded: `synced`, unless `stillPending` (a change came during the pass). */
  async passDone(runId: string, stillPending: boolean): Promise<void> {
    if (stillPending) await this.dataSource.query(`UPDATE runs SET mlflow_error = NULL WHERE id = $1`, [runId]);
    else
      await this.dataSource.query(`UPDATE runs SET mlflow_sync_state = 'synced', mlflow_error = NULL WHERE id = $1`, [
        runId,
      ]);
  }
}
