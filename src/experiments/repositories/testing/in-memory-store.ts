import { Experiment } from '../../entities/experiment.entity';
import type { Run } from '../../entities/run.entity';
import type { ExperimentCondition, ExperimentOrderTerm, Lifecycle } from '../../experiments.types';
import { ExperimentNameTakenError, ExperimentsRepository, type ExperimentRow } from '../experiments.repository';
import type { RunMetricsRepository, MetricValue } from '../run-metrics.repository';
import type { RunsRepository } from '../runs.repository';
import { cmp, copyExperiment, matchesLifecycle } from './in-memory-common';
import { likeToRegExp } from './in-memory-filter';
import { InMemoryRunMetrics } from './in-memory-run-metrics';
import { InMemoryRuns } from './in-memory-runs';

/**
 * The experiments module's tables in memory, behind the same repository classes as the SQL
 * ones, for unit tests of the services: `experiments`, `runs` and `metrics` share one state.
 * Rows are copied in and out, as a database would, so a service cannot change stored state by
 * mutating what it read.
 */
export class InMemoryExperimentStore {
  readonly experimentRows = new Map<string, Experiment>();
  readonly runRows = new Map<string, Run>();
  readonly metricRows: MetricValue[] = [];
  private nextId = 1;
  private nextMetricId = 1;

  readonly experiments: ExperimentsRepository = new InMemoryExperiments(this);
  readonly runs: RunsRepository = new InMemoryRuns(this);
  readonly metrics: RunMetricsRepository = new InMemoryRunMetrics(this);

  /** A uuid-shaped id (the services refuse anything else), in creation order. */
  newId(): string {
    return `00000000-0000-4000-8000-${String(this.nextId++).padStart(12, '0')}`;
  }

  newMetricId(): string {
    return String(this.nextMetricId++);
  }

  run(id: string): Run {
    const run = this.runRows.get(id);
    if (!run) throw new Error(`no run ${id}`);
    return run;
  }
}

class InMemoryExperiments extends ExperimentsRepository {
  constructor(private readonly store: InMemoryExperimentStore) {
    super();
  }

  private byName(name: string): Experiment | undefined {
    return [...this.store.experimentRows.values()].find((e) => e.name === name);
  }

  private row(e: Experiment): ExperimentRow {
    const runs = [...this.store.runRows.values()].filter((r) => r.experiment_id === e.id && !r.deleted_at);
    const starts = runs.map((r) => r.start_time.getTime());
    return {
      id: e.id,
      name: e.name,
      tags: { ...e.tags },
      created_at: e.created_at,
      archived_at: e.archived_at,
      run_count: runs.length,
      last_run_at: starts.length ? new Date(Math.max(...starts)) : null,
    };
  }

  ensure(name: string): Promise<Experiment> {
    const found = this.byName(name);
    if (found) return Promise.resolve(copyExperiment(found));
    return this.insert(name, {}).then((id) => copyExperiment(this.store.experimentRows.get(id!)!));
  }

  insert(name: string, tags: Record<string, string>): Promise<string | null> {
    if (this.byName(name)) return Promise.resolve(null);
    const e = Object.assign(new Experiment(), {
      id: this.store.newId(),
      name,
      tags: { ...tags },
      archived_at: null,
      created_at: new Date(),
    });
    this.store.experimentRows.set(e.id, e);
    return Promise.resolve(e.id);
  }

  findById(id: string): Promise<Experiment | null> {
    const e = this.store.experimentRows.get(id);
    return Promise.resolve(e ? copyExperiment(e) : null);
  }

  private all(lifecycle: Lifecycle): Experiment[] {
    return [...this.store.experimentRows.values()].filter((e) => matchesLifecycle(e.archived_at, lifecycle));
  }

  count(lifecycle: Lifecycle): Promise<number> {
    return Promise.resolve(this.all(lifecycle).length);
  }

  list(lifecycle: Lifecycle, limit: number, offset: number): Promise<ExperimentRow[]> {
    const rows = this.all(lifecycle)
      .sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || cmp(a.name, b.name) || cmp(a.id, b.id))
      .map((e) => this.row(e));
    return Promise.resolve(rows.slice(offset, offset + limit));
  }

  search(q: {
    lifecycle: Lifecycle;
    conditions: ExperimentCondition[];
    order: ExperimentOrderTerm[];
    limit: number;
    offset: number;
  }): Promise<ExperimentRow[]> {
    const test = (c: ExperimentCondition, e: ExperimentRow) => {
      const v = c.column === 'name' ? e.name : e.tags[c.key ?? ''];
      if (v === undefined) return false;
      if (c.op === '=') return v === c.value;
      if (c.op === '!=') return v !== c.value;
      return likeToRegExp(c.value, c.op === 'ILIKE').test(v);
    };
    const key = (t: ExperimentOrderTerm, e: ExperimentRow): string | number =>
      t.field === 'name'
        ? e.name
        : t.field === 'experiment_id'
          ? e.id
          : t.field === 'creation_time'
            ? e.created_at.getTime()
            : (e.last_run_at ?? e.created_at).getTime();
    const rows = this.all(q.lifecycle)
      .map((e) => this.row(e))
      .filter((e) => q.conditions.every((c) => test(c, e)))
      .sort((a, b) => {
        for (const t of q.order) {
          const d = cmp(key(t, a), key(t, b));
          if (d) return t.direction === 'ASC' ? d : -d;
        }
        return b.created_at.getTime() - a.created_at.getTime() || cmp(a.id, b.id);
      });
    return Promise.resolve(rows.slice(q.offset, q.offset + q.limit));
  }

  rowById(id: string): Promise<ExperimentRow | undefined> {
    const e = this.store.experimentRows.get(id);
    return Promise.resolve(e ? this.row(e) : undefined);
  }

  rowByName(name: string): Promise<ExperimentRow | undefined> {
    const e = this.byName(name);
    return Promise.resolve(e ? this.row(e) : undefined);
  }

  update(id: string, changes: { name?: string; tags?: { set: Record<string, string>; remove: string[] } }) {
    const e = this.store.experimentRows.get(id);
    if (!e) return Promise.resolve();
    if (changes.name !== undefined) {
      const other = this.byName(changes.name);
      if (other && other.id !== id) return Promise.reject(new ExperimentNameTakenError(changes.name));
      e.name = changes.name;
    }
    if (changes.tags) {
      for (const k of changes.tags.remove) delete e.tags[k];
      Object.assign(e.tags, changes.tags.set);
    }
    return Promise.resolve();
  }

  setArchived(id: string, archived: boolean): Promise<void> {
    const e = this.store.experimentRows.get(id);
    if (e) e.archived_at = archived ? (e.archived_at ?? new Date()) : null;
    return Promise.resolve();
  }
}
