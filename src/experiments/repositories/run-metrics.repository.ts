/** One logged value of a metric, as read back (steps are numbers here; the column is a bigint). */
export interface MetricValue {
  /** run_metrics.id: the order in which values were stored. */
  id: string;
  run_id: string;
  key: string;
  value: number;
  step: number;
  timestamp: Date;
}

export interface NewMetricValue {
  key: string;
  value: number;
  step: number;
  timestamp: Date;
}

/**
 * Metric history (`run_metrics`) and the run's latest value per key (`runs.metrics`), which every
 * write keeps in step with the history. Abstract class = Nest token; tests swap in memory.
 */
export abstract class RunMetricsRepository {
  /**
   * Store values and merge them into the run's latest values as they are (training's epochs:
   * each call is the newest).
   */
  abstract append(runId: string, values: NewMetricValue[]): Promise<void>;
  /**
   * Store values and set each key's latest value by MLflow's rule: the highest step, then the
   * newest timestamp, then the last stored (values logged from outside may come in any order).
   */
  abstract appendPoints(runId: string, values: NewMetricValue[]): Promise<void>;
  /** The run's whole history, by key, step, then storage order. */
  abstract history(runId: string): Promise<MetricValue[]>;
  /** One key's history, by step, timestamp, then storage order. */
  abstract keyHistory(runId: string, key: string, limit: number, offset: number): Promise<MetricValue[]>;
  /** The history of several runs, in storage order. */
  abstract historyOfRuns(runIds: string[]): Promise<MetricValue[]>;
  /** Per run and key, the latest value by MLflow's rule (highest step, newest timestamp, last stored). */
  abstract latestOfRuns(runIds: string[]): Promise<MetricValue[]>;
}
