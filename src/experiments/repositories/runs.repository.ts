import type { EntityManager } from 'typeorm';
import type { MlflowSyncState, Run, RunStatus } from '../entities/run.entity';
import type { Lifecycle } from '../experiments.types';
import type { Clause, OrderTerm } from '../search/run-filter';

/** A run the service itself tracks (training, sweeps). */
export interface NewRun {
  experimentId: string;
  name: string;
  status: RunStatus;
  params: Record<string, string>;
  tags: Record<string, string>;
  modelId: string | null;
  modelVersion: string | null;
  mlflowSyncState: MlflowSyncState | null;
}

/** A run logged from outside (REST or the MLflow API): RUNNING from `startTime`. */
export interface NewExternalRun {
  experimentId: string;
  name: string;
  params: Record<string, string>;
  tags: Record<string, string>;
  startTime: Date;
  mlflowSyncState: MlflowSyncState | null;
}

/** Parsed search: which experiments, which lifecycle and statuses, MLflow filter clauses, order. */
export interface RunQuery {
  experimentIds: string[];
  lifecycle: Lifecycle;
  statuses: RunStatus[];
  clauses: Clause[];
  order: OrderTerm[];
  limit: number;
  offset: number;
}

/**
 * The `runs` table: a run's lifecycle, params, tags, and search. Abstract class = Nest token;
 * SqlRunsRepository is the real one, tests swap in memory.
 */
export abstract class RunsRepository {
  abstract create(run: NewRun, tx?: EntityManager): Promise<Run>;
  /** The new run's id. */
  abstract createExternal(run: NewExternalRun): Promise<string>;
  abstract findById(id: string): Promise<Run | null>;
  abstract setStatus(id: string, status: RunStatus, end: boolean): Promise<void>;
  /**
   * An attempt of a training job begins: RUNNING, tag `attempt`. With `dropHistory` (a retry) it
   * first drops the metric history and latest values and moves the run's MLflow run to
   * `mlflow_superseded_run_ids`; all in one transaction.
   */
  abstract startAttempt(id: string, attempt: number, dropHistory: boolean): Promise<void>;
  /** Final status, end time now; metrics and tags merged, artifacts replaced when given. */
  abstract finish(
    id: string,
    status: RunStatus,
    fields: { metrics: Record<string, number>; artifacts: string[] | null; tags: Record<string, string> },
  ): Promise<void>;
  /** Merge params unless one of them is already set with another value: false then (nothing stored). */
  abstract addParams(id: string, params: Record<string, string>): Promise<boolean>;
  abstract mergeTags(id: string, tags: Record<string, string>): Promise<void>;
  abstract deleteTag(id: string, key: string): Promise<void>;
  abstract update(id: string, fields: { status: RunStatus; name: string; endTime: Date | null }): Promise<void>;
  abstract setDeleted(id: string, deleted: boolean): Promise<void>;
  /** One page of matching runs and the count over all pages. */
  abstract search(q: RunQuery): Promise<{ runs: Run[]; total: number }>;
}
