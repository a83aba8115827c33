import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RunMetric } from '../entities/run-metric.entity';
import { RunMetricsRepository, type MetricValue, type NewMetricValue } from './run-metrics.repository';

/** A run_metrics row as PostgreSQL answers it: bigints (id, step) come back as strings. */
interface MetricRow {
  id: string;
  run_id: string;
  key: string;
  value: number;
  step: string;
  timestamp: Date;
}

const COLUMNS = 'id, run_id, key, value, step, timestamp';

function toValue(r: MetricRow): MetricValue {
  return {
    id: String(r.id),
    run_id: r.run_id,
    key: r.key,
    value: Number(r.value),
    step: Number(r.step),
    timestamp: new Date(r.timestamp),
  };
}

function uuidList(ids: string[], from = 1): string {
  return ids.map((_, i) => `$${i + from}::uuid`).join(', ');
}

@Injectable()
export class SqlRunMetricsRepository extends RunMetricsRepository {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async append(runId: string, values: NewMetricValue[]): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await m.insert(
        RunMetric,
        values.map((v) => toEntity(runId, v)),
      );
      await m.query(`UPDATE runs SET metrics = metrics || $2::jsonb WHERE id = $1`, [
        runId,
        JSON.stringify(Object.fromEntries(values.map((v) => [v.key, v.value]))),
      ]);
    });
  }

  async appendPoints(runId: string, values: NewMetricValue[]): Promise<void> {
    const keys = [...new Set(values.map((v) => v.key))];
    await this.dataSource.transaction(async (m) => {
      await m.insert(
        RunMetric,
        values.map((v) => toEntity(runId, v)),
      );
      const latest = await m.query<Array<{ key: string; value: number }>>(
        `SELECT DISTINCT ON (key) key, value FROM run_metrics WHERE run_id = $1 AND key IN (${keys.map((_, i) => `$${i + 2}`).join(', ')})
          ORDER BY key, step DESC, timestamp DESC, id DESC`,
        [runId, ...keys],
      );
      await m.query(`UPDATE runs SET metrics = metrics || $2::jsonb WHERE id = $1`, [
        runId,
        JSON.stringify(Object.fromEntries(latest.map((l) => [l.key, Number(l.value)]))),
      ]);
    });
  }

  async history(runId: string): Promise<MetricValue[]> {
    const rows = await this.dataSource.query<MetricRow[]>(
      `SELECT ${COLUMNS} FROM run_metrics WHERE run_id = $1 ORDER BY key, step, id`,
      [runId],
    );
    return rows.map(toValue);
  }

  async keyHistory(runId: string, key: string, limit: number, offset: number): Promise<MetricValue[]> {
    const rows = await this.dataSource.query<MetricRow[]>(
      `SELECT ${COLUMNS} FROM run_metrics WHERE run_id = $1 AND key = $2 ORDER BY step, timestamp, id LIMIT ${Math.floor(limit)} OFFSET ${Math.floor(offset)}`,
      [runId, key],
    );
    return rows.map(toValue);
  }

  async historyOfRuns(runIds: string[]): Promise<MetricValue[]> {
    if (!runIds.length) return [];
    const rows = await this.dataSource.query<MetricRow[]>(
      `SELECT ${COLUMNS} FROM run_metrics WHERE run_id IN (${uuidList(runIds)}) ORDER BY id`,
      runIds,
    );
    return rows.map(toValue);
  }

  async latestOfRuns(runIds: string[]): Promise<MetricValue[]> {
    if (!runIds.length) return [];
    const rows = await this.dataSource.query<MetricRow[]>(
      `SELECT DISTINCT ON (run_id, key) ${COLUMNS} FROM run_metrics WHERE run_id IN (${uuidList(runIds)})
        ORDER BY run_id, key, step DESC, timestamp DESC, id DESC`,
      runIds,
    );
    return rows.map(toValue);
  }
}

function toEntity(runId: string, v: NewMetricValue): Partial<RunMetric> {
  return { run_id: runId, key: v.key, value: v.value, step: String(v.step), timestamp: v.timestamp };
}
