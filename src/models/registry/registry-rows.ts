/**
 * The rows the registry's queries return, typed once here so that nothing above the
 * repository handles an untyped query result.
 */
import type { ModelHistoryEvent } from '../history/model-history.entity';
import type { ModelVersion, VersionStatus } from '../entities/model-version.entity';

/** A row of `models`. */
export interface ModelRow {
  id: string;
  name: string;
  type: string;
  description: string | null;
  tags: Record<string, string>;
  archived_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** What creating a model (if it does not exist yet) writes. */
export interface NewModelRow {
  id: string;
  name: string;
  type: string;
  description: string | null;
  tags: Record<string, string>;
}

/** The fields of a version that the registry writes (everything but the generated ones). */
export type VersionFields = Partial<Omit<ModelVersion, 'id' | 'created_at'>>;

/** A new version: its identity and status, plus whatever the caller already knows of it. */
export type NewVersionRow = VersionFields & Pick<ModelVersion, 'model_id' | 'version' | 'status'>;

/** Filters of GET /api/v1/models (`name`: a substring, matched case-insensitively). */
export interface ModelListFilter {
  type?: string;
  status?: string;
  name?: string;
  limit: number;
  offset: number;
}

/** One model of the list: the version shown (deployed, else latest), the latest beside it. */
export interface ModelListRow {
  id: string;
  name: string;
  type: string;
  version: string;
  status: VersionStatus;
  created_at: Date;
  metrics: ModelVersion['metrics'];
  latest_version: string;
  latest_status: VersionStatus;
  deployed_versions: string[] | null;
}

/** A row of `model_aliases`. */
export interface AliasRow {
  model_id: string;
  alias: string;
  version: string;
  created_at: Date;
  updated_at: Date;
}

/** A row of `model_history` as it is listed. */
export interface HistoryRow {
  id: number;
  event: ModelHistoryEvent;
  alias: string | null;
  version: string | null;
  previous_version: string | null;
  reason: string | null;
  created_at: Date;
}

export interface HistoryFilter {
  event?: string;
  alias?: string;
  limit: number;
  offset: number;
}

/** What runs SQL: the DataSource (autocommit) or a transaction's EntityManager. */
export interface Queryable {
  query<T>(sql: string, parameters?: unknown[]): Promise<T>;
}
