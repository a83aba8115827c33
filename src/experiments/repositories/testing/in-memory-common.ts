import { Experiment } from '../../entities/experiment.entity';
import { Run } from '../../entities/run.entity';
import type { Lifecycle } from '../../experiments.types';

/** A copy that shares nothing with the stored row (not structuredClone: its Dates come from another realm under Jest). */
export function copyRun(r: Run): Run {
  return Object.assign(new Run(), {
    ...r,
    params: { ...r.params },
    metrics: { ...r.metrics },
    tags: { ...r.tags },
    artifacts: [...r.artifacts],
    mlflow_superseded_run_ids: [...r.mlflow_superseded_run_ids],
    start_time: new Date(r.start_time),
    end_time: copyDate(r.end_time),
    deleted_at: copyDate(r.deleted_at),
  });
}

export function copyExperiment(e: Experiment): Experiment {
  return Object.assign(new Experiment(), {
    ...e,
    tags: { ...e.tags },
    created_at: new Date(e.created_at),
    archived_at: copyDate(e.archived_at),
  });
}

function copyDate(d: Date | null): Date | null {
  return d ? new Date(d) : null;
}

export function matchesLifecycle(deletedAt: Date | null, lifecycle: Lifecycle): boolean {
  if (lifecycle === 'active') return deletedAt === null;
  if (lifecycle === 'deleted') return deletedAt !== null;
  return true;
}

export function cmp(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
