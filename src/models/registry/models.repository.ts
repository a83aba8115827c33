import type { EntityManager } from 'typeorm';
import type { ModelVersion, VersionStatus } from '../entities/model-version.entity';
import type { HistoryRecord } from '../history/history.sql';
import type { SpanTrials, TrialRecord } from '../trials/trials.sql';
import type {
  AliasRow,
  HistoryFilter,
  HistoryRow,
  ModelListFilter,
  ModelListRow,
  ModelRow,
  NewModelRow,
  NewVersionRow,
  VersionFields,
} from './registry-rows';

/**
 * The registry's writes, and the reads that lock, bound to one transaction (or to none, for
 * `ModelsRepository.direct`). A change and its record (history, trials) go through the same
 * `RegistryTx`, so they commit or roll back together.
 */
export interface RegistryTx {
  // models
  insertModelIfAbsent(model: NewModelRow): Promise<void>;
  /** The model's row, locked until the transaction ends (`forUpdate`), or null. */
  findModel(id: string, forUpdate: boolean): Promise<ModelRow | null>;
  /** Renames the model (and sets its description when one is given); bumps updated_at. */
  touchModel(id: string, name: string, description: string | null): Promise<void>;
  /** Sets archived_at and archives the model's experimental versions. */
  archiveModel(id: string): Promise<void>;

  // versions
  versionNumbers(modelId: string): Promise<string[]>;
  insertVersion(row: NewVersionRow): Promise<ModelVersion>;
  updateVersion(modelId: string, version: string, fields: VersionFields): Promise<void>;
  versionStatus(modelId: string, version: string): Promise<VersionStatus | null>;
  /** The model's version numbers whose status is one of `statuses`. */
  versionsWithStatus(modelId: string, statuses: readonly VersionStatus[]): Promise<string[]>;

  // aliases
  findAlias(modelId: string, alias: string): Promise<AliasRow | null>;
  countAliases(modelId: string): Promise<number>;
  insertAlias(modelId: string, alias: string, version: string): Promise<AliasRow>;
  moveAlias(modelId: string, alias: string, version: string): Promise<AliasRow>;
  deleteAlias(modelId: string, alias: string): Promise<AliasRow | null>;
  deleteAliases(modelId: string): Promise<AliasRow[]>;

  // history and trials
  recordHistory(record: HistoryRecord): Promise<void>;
  /** A second record of the same version on the same span is a no-op. */
  recordTrial(trial: TrialRecord): Promise<void>;
}

/**
 * Everything the models module stores in the database. An abstract class rather than an
 * interface so that it is also the injection token; `PgModelsRepository` is the SQL, and
 * `InMemoryModelsRepository` (tests) keeps the same rules in maps.
 */
export abstract class ModelsRepository {
  /** Runs `work` in one transaction; it rolls back when `work` throws. */
  abstract transaction<T>(work: (tx: RegistryTx) => Promise<T>): Promise<T>;
  /** The caller's transaction (another module's EntityManager) seen as a RegistryTx. */
  abstract within(manager: EntityManager): RegistryTx;
  /** Writes outside any transaction (each statement commits on its own). */
  abstract direct(): RegistryTx;

  abstract listModels(filter: ModelListFilter): Promise<{ total: number; rows: ModelListRow[] }>;
  abstract findModel(id: string): Promise<ModelRow | null>;
  abstract versionsOf(modelId: string): Promise<ModelVersion[]>;
  abstract findVersion(modelId: string, version: string): Promise<ModelVersion | null>;
  /** The model's aliases, by name. */
  abstract aliasesOf(modelId: string): Promise<AliasRow[]>;
  abstract aliasTarget(modelId: string, alias: string): Promise<string | null>;
  /** Trials counters of the given test spans; a span with none is absent. */
  abstract trialsBySpan(keys: string[]): Promise<Map<string, SpanTrials>>;
  /** The model's history, newest first. */
  abstract history(modelId: string, filter: HistoryFilter): Promise<{ total: number; rows: HistoryRow[] }>;
}
