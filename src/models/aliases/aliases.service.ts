import { Injectable } from '@nestjs/common';
import { ConflictError, NotFoundError } from '../../common/errors/app-error';
import { isoOrNull } from '../../common/iso-time';
import type { VersionStatus } from '../entities/model-version.entity';
import type { ModelHistoryEvent } from '../history/model-history.entity';
import { ModelsRepository, type RegistryTx } from '../registry/models.repository';
import type { AliasRow } from '../registry/registry-rows';
import { assertAliasName, MAX_ALIASES_PER_MODEL } from './alias-names';

/** The versions an alias may point at: the ones that can serve a prediction and be deployed. */
const ALIASABLE: readonly VersionStatus[] = ['experimental', 'deployed'];

export interface AliasView {
  model_id: string;
  alias: string;
  version: string;
  created_at: string;
  updated_at: string;
}

/** One history entry as GET …/history shows it. */
export interface HistoryEntryView {
  id: number;
  event: ModelHistoryEvent;
  alias: string | null;
  version: string | null;
  previous_version: string | null;
  reason: string | null;
  created_at: string;
}

export interface AliasChange extends AliasView {
  /** The version the alias pointed to before this request (null when it is new). */
  previous_version: string | null;
  /** False when the alias already pointed there (nothing was changed or recorded). */
  changed: boolean;
}

/**
 * Model aliases (`champion` → 1.2.0). Every change runs in one transaction that locks the
 * model's row first (`SELECT … FOR UPDATE`, the lock deploys and archiving take), so an alias
 * cannot be set on a model being archived, and the change and its model_history record are
 * written together. Listeners (the prediction module's resolution cache) hear of each change
 * after it is committed.
 */
@Injectable()
export class AliasesService {
  private readonly listeners: Array<(modelId: string) => void> = [];

  constructor(private readonly repo: ModelsRepository) {}

  /** Called after every committed change of a model's aliases (in this process). */
  onChange(listener: (modelId: string) => void): void {
    this.listeners.push(listener);
  }

  changed(modelId: string): void {
    for (const l of this.listeners) l(modelId);
  }

  /** A model's aliases, by name; an unknown model is a 404. */
  async list(modelId: string): Promise<AliasView[]> {
    await this.requireModel(modelId);
    return this.forModel(modelId);
  }

  /** 404 MODEL_NOT_FOUND unless the model exists. */
  async requireModel(modelId: string): Promise<void> {
    await this.assertModel(this.repo.direct(), modelId, false);
  }

  /** A model's aliases without checking the model (for its JSON). */
  async forModel(modelId: string): Promise<AliasView[]> {
    return (await this.repo.aliasesOf(modelId)).map(view);
  }

  /** GET …/{model_id}/history: the model's alias changes, newest first; an unknown model is a 404. */
  async history(
    modelId: string,
    q: { event?: string; alias?: string; limit: number; offset: number },
  ): Promise<{ events: HistoryEntryView[]; total: number }> {
    await this.requireModel(modelId);
    const { total, rows } = await this.repo.history(modelId, q);
    return { total, events: rows.map((r) => ({ ...r, created_at: isoOrNull(r.created_at)! })) };
  }

  /** The version `@alias` points at now; 404 MODEL_NOT_FOUND or ALIAS_NOT_FOUND. */
  async resolve(modelId: string, alias: string): Promise<string> {
    assertAliasName(alias, 'version');
    const version = await this.repo.aliasTarget(modelId, alias);
    if (version !== null) return version;
    await this.requireModel(modelId);
    const known = (await this.forModel(modelId)).map((a) => a.alias);
    throw new NotFoundError(
      `Model ${modelId} has no alias '${alias}'${known.length ? ` (its aliases: ${known.join(', ')})` : ' (it has none)'}; set it with PUT /api/v1/models/${modelId}/aliases/${alias}`,
      { model_id: modelId, alias, aliases: known },
      'ALIAS_NOT_FOUND',
    );
  }

  /** PUT …/aliases/{alias}: point the alias at `version` (creating or moving it). */
  async set(modelId: string, alias: string, version: string): Promise<AliasChange> {
    assertAliasName(alias);
    const result = await this.repo.transaction(async (tx) => {
      await this.assertModel(tx, modelId, true);
      const status = await tx.versionStatus(modelId, version);
      if (!status)
        throw new NotFoundError(
          `Model ${modelId} has no version ${version}`,
          { model_id: modelId, version },
          'VERSION_NOT_FOUND',
        );
      if (!ALIASABLE.includes(status)) {
        throw new ConflictError(
          `Version ${version} of ${modelId} is ${status}; an alias can only point at a trained version (experimental or deployed)`,
          { model_id: modelId, version, status },
          'VERSION_NOT_SERVABLE',
        );
      }
      const current = await tx.findAlias(modelId, alias);
      if (current?.version === version) return { row: current, previous: version, changed: false };
      if (!current) {
        const n = await tx.countAliases(modelId);
        if (n >= MAX_ALIASES_PER_MODEL)
          throw new ConflictError(
            `Model ${modelId} already has ${n} aliases, the most one model may have; remove one first`,
            { model_id: modelId, max_aliases: MAX_ALIASES_PER_MODEL },
            'TOO_MANY_ALIASES',
          );
      }
      const row = current ? await tx.moveAlias(modelId, alias, version) : await tx.insertAlias(modelId, alias, version);
      await tx.recordHistory({
        model_id: modelId,
        event: current ? 'alias_moved' : 'alias_set',
        alias,
        version,
        previous_version: current?.version ?? null,
      });
      return { row, previous: current?.version ?? null, changed: true };
    });
    if (result.changed) this.changed(modelId);
    return {
      ...view(result.row),
      previous_version: result.changed ? result.previous : result.row.version,
      changed: result.changed,
    };
  }

  /** DELETE …/aliases/{alias}; 404 ALIAS_NOT_FOUND when the model has no such alias. */
  async remove(modelId: string, alias: string): Promise<AliasView & { removed: true }> {
    assertAliasName(alias);
    const row = await this.repo.transaction(async (tx) => {
      await this.assertModel(tx, modelId, true);
      const gone = await tx.deleteAlias(modelId, alias);
      if (!gone)
        throw new NotFoundError(
          `Model ${modelId} has no alias '${alias}'`,
          { model_id: modelId, alias },
          'ALIAS_NOT_FOUND',
        );
      await tx.recordHistory({
        model_id: modelId,
        event: 'alias_removed',
        alias,
        version: null,
        previous_version: gone.version,
      });
      return gone;
    });
    this.changed(modelId);
    return { ...view(row), removed: true };
  }

  /**
   * Inside the caller's transaction (which holds the model's lock): removes every alias of
   * the model, each recorded with `reason`. Archiving a model calls this, so that no alias
   * points at an archived version. Call {@link changed} after the commit.
   */
  async removeAll(tx: RegistryTx, modelId: string, reason: string): Promise<number> {
    const gone = await tx.deleteAliases(modelId);
    gone.sort((a, b) => a.alias.localeCompare(b.alias));
    for (const g of gone)
      await tx.recordHistory({
        model_id: modelId,
        event: 'alias_removed',
        alias: g.alias,
        version: null,
        previous_version: g.version,
        reason,
      });
    return gone.length;
  }

  /** Alias names per `model_id@version`, for the versions' JSON. */
  static byVersion(aliases: AliasView[]): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const a of aliases) {
      const key = `${a.model_id}@${a.version}`;
      out.set(key, [...(out.get(key) ?? []), a.alias]);
    }
    return out;
  }

  private async assertModel(tx: RegistryTx, modelId: string, forChange: boolean): Promise<void> {
    const model = await tx.findModel(modelId, forChange);
    if (!model) throw new NotFoundError(`Model ${modelId} does not exist`, { model_id: modelId }, 'MODEL_NOT_FOUND');
    if (forChange && model.archived_at)
      throw new ConflictError(
        `Model ${modelId} is archived; its aliases cannot change`,
        { model_id: modelId },
        'MODEL_ARCHIVED',
      );
  }
}

function view(r: AliasRow): AliasView {
  return {
    model_id: r.model_id,
    alias: r.alias,
    version: r.version,
    created_at: isoOrNull(r.created_at)!,
    updated_at: isoOrNull(r.updated_at)!,
  };
}
