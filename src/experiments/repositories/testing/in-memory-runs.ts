import { Run, type RunStatus } from '../../entities/run.entity';
import { RunsRepository, type NewExternalRun, type NewRun, type RunQuery } from '../runs.repository';
import { cmp, copyRun, matchesLifecycle } from './in-memory-common';
import { matchesClause, orderValue } from './in-memory-filter';
import type { InMemoryExperimentStore } from './in-memory-store';

/** The `runs` table in memory (see InMemoryExperimentStore). */
export class InMemoryRuns extends RunsRepository {
  constructor(private readonly store: InMemoryExperimentStore) {
    super();
  }

  private insertRun(fields: Partial<Run> & Pick<Run, 'experiment_id' | 'name' | 'status' | 'start_time'>): Run {
    const run = Object.assign(new Run(), {
      id: this.store.newId(),
      params: {},
      metrics: {},
      tags: {},
      artifacts: [],
      model_id: null,
      model_version: null,
      end_time: null,
      deleted_at: null,
      mlflow_run_id: null,
      mlflow_sync_state: null,
      mlflow_error: null,
      mlflow_metric_cursor: '0',
      mlflow_superseded_run_ids: [],
      ...fields,
    });
    this.store.runRows.set(run.id, run);
    return run;
  }

  create(run: NewRun): Promise<Run> {
    const row = this.insertRun({
      experiment_id: run.experimentId,
      name: run.name,
      status: run.status,
      params: { ...run.params },
      tags: { ...run.tags },
      model_id: run.modelId,
      model_version: run.modelVersion,
      start_time: new Date(),
      mlflow_sync_state: run.mlflowSyncState,
    });
    return Promise.resolve(copyRun(row));
  }

  createExternal(run: NewExternalRun): Promise<string> {
    const row = this.insertRun({
      experiment_id: run.experimentId,
      name: run.name,
      status: 'RUNNING',
      params: { ...run.params },
      tags: { ...run.tags },
      start_time: run.startTime,
      mlflow_sync_state: run.mlflowSyncState,
    });
    return Promise.resolve(row.id);
  }

  findById(id: string): Promise<Run | null> {
    const run = this.store.runRows.get(id);
    return Promise.resolve(run ? copyRun(run) : null);
  }

  /** Like an UPDATE … WHERE id: a run that is not there is left alone. */
  private change(id: string, apply: (run: Run) => void): Promise<void> {
    const run = this.store.runRows.get(id);
    if (run) apply(run);
    return Promise.resolve();
  }

  setStatus(id: string, status: RunStatus, end: boolean): Promise<void> {
    return this.change(id, (r) => {
      r.status = status;
      if (end) r.end_time = new Date();
    });
  }

  startAttempt(id: string, attempt: number, dropHistory: boolean): Promise<void> {
    return this.change(id, (r) => {
      if (dropHistory) {
        const kept = this.store.metricRows.filter((m) => m.run_id !== id);
        this.store.metricRows.splice(0, this.store.metricRows.length, ...kept);
        r.metrics = {};
        r.mlflow_metric_cursor = '0';
        if (r.mlflow_run_id) r.mlflow_superseded_run_ids = [...r.mlflow_superseded_run_ids, r.mlflow_run_id];
        r.mlflow_run_id = null;
      }
      r.status = 'RUNNING';
      r.tags = { ...r.tags, attempt: String(attempt) };
    });
  }

  finish(
    id: string,
    status: RunStatus,
    fields: { metrics: Record<string, number>; artifacts: string[] | null; tags: Record<string, string> },
  ): Promise<void> {
    return this.change(id, (r) => {
      r.status = status;
      r.end_time = new Date();
      r.metrics = { ...r.metrics, ...fields.metrics };
      if (fields.artifacts) r.artifacts = [...fields.artifacts];
      r.tags = { ...r.tags, ...fields.tags };
    });
  }

  addParams(id: string, params: Record<string, string>): Promise<boolean> {
    const run = this.store.runRows.get(id);
    if (!run) return Promise.resolve(false);
    if (Object.entries(params).some(([k, v]) => Object.hasOwn(run.params, k) && run.params[k] !== v))
      return Promise.resolve(false);
    run.params = { ...params, ...run.params };
    return Promise.resolve(true);
  }

  mergeTags(id: string, tags: Record<string, string>): Promise<void> {
    return this.change(id, (r) => (r.tags = { ...r.tags, ...tags }));
  }

  deleteTag(id: string, key: string): Promise<void> {
    return this.change(id, (r) => {
      const tags = { ...r.tags };
      delete tags[key];
      r.tags = tags;
    });
  }

  update(id: string, fields: { status: RunStatus; name: string; endTime: Date | null }): Promise<void> {
    return this.change(id, (r) => {
      r.status = fields.status;
      r.name = fields.name;
      r.end_time = fields.endTime;
    });
  }

  setDeleted(id: string, deleted: boolean): Promise<void> {
    return this.change(id, (r) => (r.deleted_at = deleted ? (r.deleted_at ?? new Date()) : null));
  }

  search(q: RunQuery): Promise<{ runs: Run[]; total: number }> {
    const matching = [...this.store.runRows.values()].filter(
      (r) =>
        q.experimentIds.includes(r.experiment_id) &&
        matchesLifecycle(r.deleted_at, q.lifecycle) &&
        (!q.statuses.length || q.statuses.includes(r.status)) &&
        q.clauses.every((c) => matchesClause(r, c)),
    );
    matching.sort((a, b) => {
      for (const t of q.order) {
        const va = orderValue(a, t);
        const vb = orderValue(b, t);
        if (va === vb) continue;
        // NULLS LAST in either direction, as in the SQL.
        if (va === null) return 1;
        if (vb === null) return -1;
        const d = cmp(va, vb);
        return t.direction === 'ASC' ? d : -d;
      }
      return b.start_time.getTime() - a.start_time.getTime() || cmp(a.id, b.id);
    });
    return Promise.resolve({
      runs: matching.slice(q.offset, q.offset + q.limit).map(copyRun),
      total: matching.length,
    });
  }
}
