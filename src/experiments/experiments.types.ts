import type { RunStatus } from './entities/run.entity';

export const DEFAULT_EXPERIMENT = 'Default';

/** MLflow's lifecycle_stage, as a filter: live rows, soft-deleted (archived) ones, or both. */
export type Lifecycle = 'active' | 'deleted' | 'all';

export interface MetricPoint {
  key: string;
  value: number;
  step?: number;
  /** ms since epoch; default now. */
  timestamp?: number;
}

export interface RunSearch {
  experimentIds: string[];
  filter?: string;
  orderBy?: string | string[];
  lifecycle?: Lifecycle;
  statuses?: RunStatus[];
  limit: number;
  offset: number;
}

/** One condition of MLflow's experiments/search filter (parsed by the MLflow API, applied by the repository). */
export interface ExperimentCondition {
  column: 'name' | 'tag';
  key?: string;
  op: '=' | '!=' | 'LIKE' | 'ILIKE';
  value: string;
}

/** One term of experiments/search's order_by. */
export interface ExperimentOrderTerm {
  field: 'name' | 'experiment_id' | 'creation_time' | 'last_update_time';
  direction: 'ASC' | 'DESC';
}
