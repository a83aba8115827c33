import { RunMetricsRepository, type MetricValue, type NewMetricValue } from '../run-metrics.repository';
import { cmp } from './in-memory-common';
import type { InMemoryExperimentStore } from './in-memory-store';

/** `run_metrics` (and the run's latest values) in memory (see InMemoryExperimentStore). */
export class InMemoryRunMetrics extends RunMetricsRepository {
  constructor(private readonly store: InMemoryExperimentStore) {
    super();
  }

  private insert(runId: string, values: NewMetricValue[]): MetricValue[] {
    const rows = values.map((v) => ({ id: this.store.newMetricId(), run_id: runId, ...v }));
    this.store.metricRows.push(...rows);
    return rows;
  }

  append(runId: string, values: NewMetricValue[]): Promise<void> {
    this.insert(runId, values);
    const run = this.store.runRows.get(runId);
    if (run) run.metrics = { ...run.metrics, ...Object.fromEntries(values.map((v) => [v.key, v.value])) };
    return Promise.resolve();
  }

  appendPoints(runId: string, values: NewMetricValue[]): Promise<void> {
    this.insert(runId, values);
    const run = this.store.runRows.get(runId);
    if (!run) return Promise.resolve();
    const keys = new Set(values.map((v) => v.key));
    const latest = latestPerKey(this.store.metricRows.filter((m) => m.run_id === runId && keys.has(m.key)));
    run.metrics = { ...run.metrics, ...Object.fromEntries(latest.map((m) => [m.key, m.value])) };
    return Promise.resolve();
  }

  history(runId: string): Promise<MetricValue[]> {
    return Promise.resolve(
      this.rowsOf([runId]).sort((a, b) => cmp(a.key, b.key) || a.step - b.step || Number(a.id) - Number(b.id)),
    );
  }

  keyHistory(runId: string, key: string, limit: number, offset: number): Promise<MetricValue[]> {
    const rows = this.rowsOf([runId])
      .filter((m) => m.key === key)
      .sort((a, b) => a.step - b.step || a.timestamp.getTime() - b.timestamp.getTime() || Number(a.id) - Number(b.id));
    return Promise.resolve(rows.slice(offset, offset + limit));
  }

  historyOfRuns(runIds: string[]): Promise<MetricValue[]> {
    return Promise.resolve(this.rowsOf(runIds));
  }

  latestOfRuns(runIds: string[]): Promise<MetricValue[]> {
    return Promise.resolve(runIds.flatMap((id) => latestPerKey(this.rowsOf([id]))));
  }

  /** Copies, in storage order. */
  private rowsOf(runIds: string[]): MetricValue[] {
    return this.store.metricRows
      .filter((m) => runIds.includes(m.run_id))
      .map((m) => ({ ...m, timestamp: new Date(m.timestamp) }));
  }
}

/** MLflow's rule: the highest step, then the newest timestamp, then the last stored. */
function latestPerKey(rows: MetricValue[]): MetricValue[] {
  const best = new Map<string, MetricValue>();
  for (const m of rows) {
    const b = best.get(m.key);
    if (
      !b ||
      m.step > b.step ||
      (m.step === b.step && m.timestamp.getTime() > b.timestamp.getTime()) ||
      (m.step === b.step && m.timestamp.getTime() === b.timestamp.getTime() && Number(m.id) > Number(b.id))
    )
      best.set(m.key, m);
  }
  return [...best.values()].sort((a, b) => cmp(a.key, b.key));
}
