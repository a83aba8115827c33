import { Injectable } from '@nestjs/common';
import { ConflictError, DataValidationError, NotFoundError } from '../../common/errors/app-error';
import { isoOrNull } from '../../common/iso-time';
import { compareRuns, type Comparison } from '../compare/compare-runs';
import { RUN_STATUSES, type Run, type RunStatus } from '../entities/run.entity';
import { ExperimentCatalogService } from '../experiment-catalog.service';
import type { Lifecycle, RunSearch } from '../experiments.types';
import { RunMetricsRepository } from '../repositories/run-metrics.repository';
import { RunsRepository } from '../repositories/runs.repository';
import { FilterSyntaxError, parseFilter, parseOrderBy, type Clause, type OrderTerm } from '../search/run-filter';
import { isUuid, LIMITS } from '../validation';
import { runView, type RunView } from '../views';

export type MetricHistories = Record<string, Array<{ step: number; value: number; timestamp: string }>>;

/** Reading runs: one run with its history, an experiment's runs searched and ordered, runs compared. */
@Injectable()
export class RunReaderService {
  constructor(
    private readonly runs: RunsRepository,
    private readonly metrics: RunMetricsRepository,
    private readonly catalog: ExperimentCatalogService,
  ) {}

  /** 404 RUN_NOT_FOUND. */
  async findRun(id: string): Promise<Run> {
    const run = isUuid(id) ? await this.runs.findById(id) : null;
    if (!run)
      throw new NotFoundError(`Run ${String(id).slice(0, 100)} does not exist`, { run_id: id }, 'RUN_NOT_FOUND');
    return run;
  }

  /** A run that may be logged to: 404 when absent, 409 RUN_DELETED when deleted. */
  async activeRun(runId: string): Promise<Run> {
    const run = await this.findRun(runId);
    if (run.deleted_at)
      throw new ConflictError(
        `Run ${runId} is deleted: restore it before logging to it`,
        { run_id: runId },
        'RUN_DELETED',
      );
    return run;
  }

  async getRun(id: string): Promise<RunView & { metric_history: MetricHistories }> {
    const run = await this.findRun(id);
    const history = await this.metrics.history(id);
    // No prototype: a metric named `toString` or `constructor` found the inherited member and
    // `.push` failed, so a run with such a metric could no longer be read (500).
    const metric_history: MetricHistories = Object.create(null) as MetricHistories;
    for (const m of history)
      (metric_history[m.key] ??= []).push({ step: m.step, value: m.value, timestamp: m.timestamp.toISOString() });
    return { ...runView(run), metric_history };
  }

  /** An experiment's runs, filtered (MLflow's grammar, see search/run-filter.ts) and ordered; newest first by default. */
  async listRuns(
    experimentId: string,
    q: {
      filter?: string;
      orderBy?: string;
      lifecycle?: Lifecycle;
      status?: string;
      limit?: number;
      offset?: number;
    } = {},
  ) {
    await this.catalog.getExperiment(experimentId);
    const statuses = q.status
      ? q.status
          .split(',')
          .map((s) => s.trim().toUpperCase())
          .filter(Boolean)
      : [];
    const unknown = statuses.filter((s) => !(RUN_STATUSES as readonly string[]).includes(s));
    if (unknown.length)
      throw new DataValidationError(
        `Unknown status ${unknown.map((u) => JSON.stringify(u.slice(0, 20))).join(', ')}: use ${RUN_STATUSES.join(', ')}`,
        { field: 'status' },
        'VALIDATION_FAILED',
      );
    const limit = q.limit ?? 50;
    const offset = q.offset ?? 0;
    const { runs, total } = await this.searchRuns({
      experimentIds: [experimentId],
      filter: q.filter,
      orderBy: q.orderBy,
      lifecycle: q.lifecycle,
      statuses: statuses as RunStatus[],
      limit,
      offset,
    });
    return { runs: runs.map(runView), total, limit, offset };
  }

  /** 422 INVALID_FILTER (details: field, position) on a filter or order_by it cannot read. */
  async searchRuns(q: RunSearch): Promise<{ runs: Run[]; total: number }> {
    let clauses: Clause[];
    let order: OrderTerm[];
    try {
      clauses = parseFilter(q.filter);
      order = parseOrderBy(q.orderBy);
    } catch (e) {
      if (e instanceof FilterSyntaxError)
        throw new DataValidationError(
          e.message,
          { field: e.field, position: e.position, reason: e.reason },
          'INVALID_FILTER',
        );
      throw e;
    }
    const ids = q.experimentIds.filter(isUuid);
    if (!ids.length) return { runs: [], total: 0 };
    return this.runs.search({
      experimentIds: ids,
      lifecycle: q.lifecycle ?? 'active',
      statuses: q.statuses ?? [],
      clauses,
      order,
      limit: q.limit,
      offset: q.offset,
    });
  }

  /** Runs of one experiment side by side (the dashboard's contract; see compare/compare-runs.ts). */
  async compare(experimentId: string, runIds: string[]): Promise<Comparison> {
    await this.catalog.getExperiment(experimentId);
    const ids = [...new Set(runIds.map((s) => s.trim()).filter(Boolean))];
    if (!ids.length)
      throw new DataValidationError(
        'run_ids must name at least one run (comma-separated)',
        { field: 'run_ids' },
        'VALIDATION_FAILED',
      );
    if (ids.length > LIMITS.compareRuns)
      throw new DataValidationError(
        `At most ${LIMITS.compareRuns} runs can be compared at once`,
        { field: 'run_ids', count: ids.length },
        'VALIDATION_FAILED',
      );
    const runs: Run[] = [];
    for (const id of ids) {
      const run = await this.findRun(id);
      if (run.experiment_id !== experimentId)
        throw new DataValidationError(
          `Run ${id} belongs to another experiment`,
          { field: 'run_ids', run_id: id, experiment_id: run.experiment_id },
          'RUN_NOT_IN_EXPERIMENT',
        );
      runs.push(run);
    }
    const history = await this.metrics.historyOfRuns(ids);
    return compareRuns(
      experimentId,
      runs.map((r) => ({
        id: r.id,
        name: r.name,
        status: r.status,
        start_time: isoOrNull(r.start_time),
        end_time: isoOrNull(r.end_time),
        params: r.params ?? {},
        metrics: r.metrics ?? {},
      })),
      history.map((h) => ({ run_id: h.run_id, key: h.key, step: h.step, value: h.value })),
    );
  }
}
