import { Injectable, Optional } from '@nestjs/common';
import { DataValidationError, NotFoundError } from '../../common/errors/app-error';
import { isoOrNull } from '../../common/iso-time';
import type { MetricPoint } from '../experiments.types';
import { MlflowMirror } from '../mlflow/mlflow-mirror';
import { RunMetricsRepository, type NewMetricValue } from '../repositories/run-metrics.repository';
import { checkKey, checkMillis, LIMITS } from '../validation';
import { RunReaderService } from './run-reader.service';

/** Metric values of runs: training's epochs, points logged from outside, one metric's history. */
@Injectable()
export class RunMetricsService {
  private readonly metricWrites = new Map<string, Promise<void>>();

  constructor(
    private readonly metrics: RunMetricsRepository,
    private readonly reader: RunReaderService,
    @Optional() private readonly mirror?: MlflowMirror,
  ) {}

  /**
   * Append metric values (one per key, at `step`) to the history and update the latest values.
   * Calls for one run are applied one after another, in call order: the MLflow mirror reads the
   * history by id after a cursor, so a row must never commit after a row with a higher id (two
   * overlapping transactions did that when a fast engine's epochs came in quick succession: an
   * epoch skipped by the mirror, and steps sent out of order).
   */
  logMetrics(runId: string, values: Record<string, number | null | undefined>, step: number): Promise<void> {
    const previous = this.metricWrites.get(runId) ?? Promise.resolve();
    const write = previous.catch(() => undefined).then(() => this.appendMetrics(runId, values, step));
    const tail = write.catch(() => undefined);
    this.metricWrites.set(runId, tail);
    void tail.then(() => {
      if (this.metricWrites.get(runId) === tail) this.metricWrites.delete(runId);
    });
    return write;
  }

  private async appendMetrics(
    runId: string,
    values: Record<string, number | null | undefined>,
    step: number,
  ): Promise<void> {
    const entries = Object.entries(values).filter(
      (e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]),
    );
    if (!entries.length) return;
    const now = new Date();
    await this.metrics.append(
      runId,
      entries.map(([key, value]) => ({ key, value, step, timestamp: now })),
    );
    this.mirror?.notify(runId);
  }

  /** Metric points with step (default 0) and timestamp (ms, default now); the latest value per key is the one at the highest step, then the newest timestamp (MLflow's rule). */
  async logMetricPoints(runId: string, points: MetricPoint[]): Promise<void> {
    await this.reader.activeRun(runId);
    if (!Array.isArray(points))
      throw new DataValidationError(
        'metrics must be a list of {key, value, step?, timestamp?}',
        { field: 'metrics' },
        'INVALID_METRIC',
      );
    if (points.length > LIMITS.metricsPerCall)
      throw new DataValidationError(
        `At most ${LIMITS.metricsPerCall} metric values per call`,
        { field: 'metrics', count: points.length },
        'INVALID_METRIC',
      );
    if (!points.length) return;
    const now = Date.now();
    const rows = points.map((p: MetricPoint | null | undefined, i): NewMetricValue => {
      const field = `metrics[${i}]`;
      if (!p || typeof p !== 'object')
        throw new DataValidationError(
          `${field} must be an object {key, value, step?, timestamp?}`,
          { field },
          'INVALID_METRIC',
        );
      checkKey(p.key, `${field}.key`);
      if (typeof p.value !== 'number' || !Number.isFinite(p.value))
        throw new DataValidationError(
          `${field}.value must be a finite number`,
          { field: `${field}.value` },
          'INVALID_METRIC',
        );
      const step = p.step === undefined || p.step === null ? 0 : p.step;
      if (!Number.isSafeInteger(step))
        throw new DataValidationError(`${field}.step must be an integer`, { field: `${field}.step` }, 'INVALID_METRIC');
      const timestamp =
        p.timestamp === undefined || p.timestamp === null
          ? new Date(now)
          : checkMillis(p.timestamp, `${field}.timestamp`);
      return { key: p.key, value: p.value, step, timestamp };
    });
    await this.metrics.appendPoints(runId, rows);
    this.mirror?.notify(runId);
  }

  /** One metric's history, in step order (a final metric without history answers its latest value once). */
  async metricHistory(runId: string, key: string, page: { limit?: number; offset?: number } = {}) {
    const run = await this.reader.findRun(runId);
    const limit = page.limit ?? 10000;
    const offset = page.offset ?? 0;
    // One more than asked tells whether there is a next page.
    const rows = await this.metrics.keyHistory(runId, key, limit + 1, offset);
    let history = rows
      .slice(0, limit)
      .map((r) => ({ step: r.step, value: r.value, timestamp: r.timestamp.toISOString() }));
    const latest = run.metrics[key];
    if (!history.length && offset === 0 && typeof latest === 'number') {
      history = [{ step: 0, value: latest, timestamp: isoOrNull(run.end_time ?? run.start_time)! }];
    } else if (!history.length && offset === 0) {
      throw new NotFoundError(
        `Run ${runId} has no metric "${String(key).slice(0, 250)}"`,
        { run_id: runId, key },
        'METRIC_NOT_FOUND',
      );
    }
    return { run_id: runId, key, history, more: rows.length > limit };
  }
}
