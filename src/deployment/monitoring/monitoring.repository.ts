import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { MonitoringLevel } from '../entities';
import { emptyTotals, type LoggedRequest, type MetricsTotals, type StoredInputs } from './monitoring-aggregate';

/** A kept request as read back (newest first). */
export interface StoredRequest {
  id: string;
  at: Date;
  ok: boolean;
  latency_ms: number;
  inputs: StoredInputs;
  outputs: unknown;
}

/**
 * Monitoring's tables: deployment_metrics (one row of counters per deployment) and
 * deployment_request_logs (the newest requests at level `high`).
 */
export abstract class MonitoringRepository {
  /** The stored monitoring level of each of these ids that is a deployment. */
  abstract levelsOf(ids: string[]): Promise<Map<string, MonitoringLevel>>;
  /**
   * In one transaction, under the deployment's metrics row lock (so replicas add up): the
   * totals become `next(current)`; `logs` are appended and only the newest `retention` kept.
   */
  abstract accumulate(
    deploymentId: string,
    next: (current: MetricsTotals) => MetricsTotals,
    logs: LoggedRequest[],
    retention: number,
  ): Promise<void>;
  /** The totals, or null before the first flush. */
  abstract totals(deploymentId: string): Promise<MetricsTotals | null>;
  /** The newest `limit` kept requests, newest first. */
  abstract recentRequests(deploymentId: string, limit: number): Promise<StoredRequest[]>;
  abstract ready(): boolean;
}

/** deployment_metrics as the driver returns it (bigint columns arrive as strings). */
interface MetricsRow {
  requests: string | number;
  errors: string | number;
  latency_counts: number[] | null;
  latency_sum_ms: number | null;
  prediction_count: string | number;
  prediction_sum: number | null;
  prediction_sumsq: number | null;
  prediction_min: number | null;
  prediction_max: number | null;
  prediction_sample: number[] | null;
  label_counts: Record<string, number> | null;
  first_request_at: Date | string | null;
  last_request_at: Date | string | null;
}

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const date = (v: Date | string | null) => (v === null ? null : new Date(v));

function toTotals(r: MetricsRow): MetricsTotals {
  return {
    ...emptyTotals(),
    requests: num(r.requests),
    errors: num(r.errors),
    latencyCounts: (r.latency_counts ?? []).map(num),
    latencySumMs: num(r.latency_sum_ms),
    predictionCount: num(r.prediction_count),
    predictionSum: num(r.prediction_sum),
    predictionSumsq: num(r.prediction_sumsq),
    predictionMin: r.prediction_min,
    predictionMax: r.prediction_max,
    predictionSample: r.prediction_sample ?? [],
    labelCounts: r.label_counts ?? {},
    firstRequestAt: date(r.first_request_at),
    lastRequestAt: date(r.last_request_at),
  };
}

/** Request rows per INSERT (six parameters each). */
const LOG_CHUNK = 200;

@Injectable()
export class SqlMonitoringRepository extends MonitoringRepository {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  ready(): boolean {
    return this.dataSource.isInitialized;
  }

  async levelsOf(ids: string[]): Promise<Map<string, MonitoringLevel>> {
    const rows = await this.dataSource.query<Array<{ id: string; monitoring_level: MonitoringLevel }>>(
      `SELECT id, monitoring_level FROM deployments WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.monitoring_level]));
  }

  accumulate(
    id: string,
    next: (current: MetricsTotals) => MetricsTotals,
    logs: LoggedRequest[],
    retention: number,
  ): Promise<void> {
    return this.dataSource.transaction(async (m) => {
      await m.query(
        `INSERT INTO deployment_metrics (deployment_id) VALUES ($1) ON CONFLICT (deployment_id) DO NOTHING`,
        [id],
      );
      const [row] = await m.query<MetricsRow[]>(
        `SELECT * FROM deployment_metrics WHERE deployment_id = $1 FOR UPDATE`,
        [id],
      );
      const t = next(toTotals(row));
      // Absolute values: the row is locked, so nothing changed it since it was read.
      await m.query(
        `UPDATE deployment_metrics SET requests = $2, errors = $3, latency_counts = $4, latency_sum_ms = $5,
           prediction_count = $6, prediction_sum = $7, prediction_sumsq = $8, prediction_min = $9, prediction_max = $10,
           prediction_sample = $11, label_counts = $12, first_request_at = $13, last_request_at = $14
         WHERE deployment_id = $1`,
        [
          id,
          t.requests,
          t.errors,
          JSON.stringify(t.latencyCounts),
          t.latencySumMs,
          t.predictionCount,
          t.predictionSum,
          t.predictionSumsq,
          t.predictionMin,
          t.predictionMax,
          JSON.stringify(t.predictionSample),
          JSON.stringify(t.labelCounts),
          t.firstRequestAt,
          t.lastRequestAt,
        ],
      );
      if (logs.length) await this.appendLogs(m, id, logs.slice(-retention), retention);
    });
  }

  private async appendLogs(m: EntityManager, id: string, logs: LoggedRequest[], retention: number): Promise<void> {
    for (let i = 0; i < logs.length; i += LOG_CHUNK) {
      const chunk = logs.slice(i, i + LOG_CHUNK);
      const params: unknown[] = [];
      const values = chunk.map((l) => {
        params.push(id, l.at, l.ok, l.latency_ms, JSON.stringify(l.inputs), JSON.stringify(l.outputs ?? null));
        const b = params.length - 6;
        return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6})`;
      });
      await m.query(
        `INSERT INTO deployment_request_logs (deployment_id, at, ok, latency_ms, inputs, outputs) VALUES ${values.join(', ')}`,
        params,
      );
    }
    // Bounded retention: keep the newest N requests of this deployment.
    await m.query(
      `DELETE FROM deployment_request_logs WHERE deployment_id = $1 AND id < (
         SELECT id FROM deployment_request_logs WHERE deployment_id = $1 ORDER BY id DESC OFFSET $2 LIMIT 1)`,
      [id, retention - 1],
    );
  }

  async totals(id: string): Promise<MetricsTotals | null> {
    const [row] = await this.dataSource.query<MetricsRow[]>(
      `SELECT * FROM deployment_metrics WHERE deployment_id = $1`,
      [id],
    );
    return row ? toTotals(row) : null;
  }

  recentRequests(id: string, limit: number): Promise<StoredRequest[]> {
    return this.dataSource.query<StoredRequest[]>(
      `SELECT id, at, ok, latency_ms, inputs, outputs FROM deployment_request_logs WHERE deployment_id = $1 ORDER BY id DESC LIMIT $2`,
      [id, limit],
    );
  }
}
