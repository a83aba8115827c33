import { isoOrNull } from '../common/iso-time';
import type { Run } from './entities/run.entity';
import type { ExperimentRow } from './repositories/experiments.repository';

/** A run as the REST API shows it. */
export function runView(r: Run) {
  return {
    id: r.id,
    experiment_id: r.experiment_id,
    name: r.name,
    status: r.status,
    params: r.params,
    metrics: r.metrics,
    tags: r.tags,
    artifacts: r.artifacts,
    model_id: r.model_id,
    model_version: r.model_version,
    start_time: isoOrNull(r.start_time),
    end_time: isoOrNull(r.end_time),
    lifecycle_stage: r.deleted_at ? 'deleted' : 'active',
    deleted_at: isoOrNull(r.deleted_at ?? null),
    mlflow_run_id: r.mlflow_run_id ?? null,
    mlflow_sync_state: r.mlflow_sync_state ?? null,
    mlflow_error: r.mlflow_error ?? null,
  };
}

export type RunView = ReturnType<typeof runView>;

/** An experiment as the REST API shows it. */
export function experimentView(r: ExperimentRow) {
  return {
    id: r.id,
    name: r.name,
    tags: r.tags,
    run_count: Number(r.run_count),
    created_at: isoOrNull(r.created_at),
    archived_at: isoOrNull(r.archived_at),
    last_run_at: isoOrNull(r.last_run_at),
    lifecycle_stage: r.archived_at ? 'deleted' : 'active',
  };
}

export type ExperimentView = ReturnType<typeof experimentView>;
