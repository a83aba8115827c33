import { Inject, Injectable } from '@nestjs/common';
import { ConflictError, DataValidationError, ModelError, NotFoundError } from '../common/errors/app-error';
import type { ModelVersion } from '../models/entities/model-version.entity';
import { ModelsService } from '../models/models.service';
import { AliasesService } from '../models/aliases/aliases.service';
import { parseVersionRef } from '../models/aliases/alias-names';
import { DeploymentLookupPort } from './deployment-lookup';
import { cacheKey, type VersionRef } from './model-loader';
import { invalid } from './prediction-errors';
import { PREDICTION_OPTIONS, type PredictionOptions } from './prediction.options';
import type { PredictBody, Resolved } from './prediction.types';

const SERVABLE = new Set(['experimental', 'deployed']);
/** Bounds of the in-process memos (resolutions, model types): past it they start over. */
const MEMO_LIMIT = 10_000;

/**
 * Which version answers for (version?, target?): an explicit version (or alias); else the one
 * the deployment target serves; else the one deployed version (if exactly one); else the latest
 * trained. 404 for an unknown model, version or target; 409 when it cannot serve (still
 * training, failed, cancelled, archived). Resolutions are reused for `resolutionTtlMs` and
 * dropped by {@link invalidate} (a deployment changed, an alias moved).
 */
@Injectable()
export class VersionResolver {
  private readonly resolutions = new Map<string, { at: number; value: Promise<Resolved> }>();
  private readonly modelTypes = new Map<string, string>();

  constructor(
    private readonly models: ModelsService,
    private readonly aliases: AliasesService,
    private readonly lookups: DeploymentLookupPort,
    @Inject(PREDICTION_OPTIONS) private readonly options: PredictionOptions,
  ) {}

  /** The body's `version` and `target`, checked (422 for a malformed one). */
  selectors(body: PredictBody): { version?: string; target?: string } {
    const { version, target } = body;
    if (
      version !== undefined &&
      (typeof version !== 'string' ||
        (!/^\d{1,6}\.\d{1,6}\.\d{1,6}$/.test(version) && parseVersionRef(version)?.kind !== 'alias'))
    ) {
      throw invalid(
        'version',
        "version must be a version number such as 1.0.0, or a model alias such as @champion ('@', then 1-64 characters a-z, 0-9, '_' or '-', starting with a letter)",
      );
    }
    if (target !== undefined && (typeof target !== 'string' || target.length === 0 || target.length > 64))
      throw invalid('target', 'target must be the name of a deployment target (a non-empty string)');
    return { version, target };
  }

  /** Cached for `resolutionTtlMs`; a failed resolution is not kept. */
  resolve(modelId: string, version: string | undefined, target: string | undefined): Promise<Resolved> {
    const key = `${modelId}|${version ?? ''}|${target ?? ''}`;
    const now = performance.now();
    const hit = this.resolutions.get(key);
    if (hit && now - hit.at < this.options.resolutionTtlMs) return hit.value;
    const value = this.resolveUncached(modelId, version, target);
    if (this.resolutions.size > MEMO_LIMIT) this.resolutions.clear();
    this.resolutions.set(key, { at: now, value });
    value.catch(() => {
      if (this.resolutions.get(key)?.value === value) this.resolutions.delete(key);
    });
    return value;
  }

  /** The challenger of `primary`'s deployment, resolved as its own version (role canary or shadow). */
  async challengerOf(modelId: string, primary: Resolved, role: 'canary' | 'shadow'): Promise<Resolved> {
    const r = await this.resolve(modelId, primary.deployment!.challenger!.version, undefined);
    return { ...r, deployment: primary.deployment, alias: null, role };
  }

  /** Forget cached resolutions (all, or one model's): after a deploy, rollback, alias move or status change. */
  invalidate(modelId?: string): void {
    if (modelId === undefined) this.resolutions.clear();
    else
      for (const key of [...this.resolutions.keys()]) if (key.startsWith(`${modelId}|`)) this.resolutions.delete(key);
  }

  async resolveUncached(modelId: string, version: string | undefined, target: string | undefined): Promise<Resolved> {
    let deployment: Resolved['deployment'] = null;
    let row: ModelVersion | undefined;
    const lookup = this.lookups.current;
    // "@champion": the version the alias points at now (404 ALIAS_NOT_FOUND), then as if that version was asked for.
    const alias = version?.startsWith('@') ? version.slice(1) : null;
    if (alias !== null) version = await this.aliases.resolve(modelId, alias);
    if (target !== undefined) {
      const active = await lookup.activeVersion(modelId, target);
      if (!active) {
        await this.models.getModel(modelId); // 404 for an unknown model first
        throw new NotFoundError(
          `Model ${modelId} is not deployed to target '${target}'; deploy it there first or leave target out`,
          { model_id: modelId, target },
          'DEPLOYMENT_NOT_FOUND',
        );
      }
      if (version !== undefined && version !== active.version) {
        throw new ModelError(
          `Target '${target}' serves version ${active.version} of ${modelId}, not ${version}${alias ? ` (@${alias})` : ''}; send one of version or target`,
          {
            model_id: modelId,
            target,
            deployed_version: active.version,
            version,
            ...(alias ? { alias } : {}),
            fields: [{ field: 'version', errors: [`target '${target}' serves ${active.version}`] }],
          },
          'VERSION_TARGET_MISMATCH',
        );
      }
      deployment = { ...active, target };
      version = active.version;
    }
    if (version !== undefined) {
      row = await this.models.getVersion(modelId, version);
    } else {
      const all = await this.models.versions(modelId);
      if (all.length === 0) {
        await this.models.getModel(modelId);
        throw new ConflictError(
          `Model ${modelId} has no versions yet; train one first`,
          { model_id: modelId },
          'NO_TRAINED_VERSION',
        );
      }
      const deployed = await lookup.deployedVersions(modelId);
      if (deployed.length === 1)
        row = all.find((v) => v.version === deployed[0]) ?? (await this.models.getVersion(modelId, deployed[0]));
      else row = all.find((v) => SERVABLE.has(v.status));
      if (!row) {
        throw new ConflictError(
          `Model ${modelId} has no trained version to serve (latest: ${all[0].version}, ${all[0].status}); wait for training to finish or train again`,
          { model_id: modelId, versions: all.slice(0, 10).map((v) => ({ version: v.version, status: v.status })) },
          'NO_TRAINED_VERSION',
        );
      }
    }
    assertServable(row);
    const modelType = await this.modelType(modelId);
    if (modelType === 'feature_engineering') {
      throw new DataValidationError(
        `${modelId} is a feature_engineering model: it ranks features and has no predictions; use its suggestion with features_from: "${modelId}@${row.version}" in a training request`,
        { model_id: modelId, model_type: modelType },
        'MODEL_DOES_NOT_PREDICT',
      );
    }
    const ref: VersionRef = { modelId, version: row.version, checksum: row.artifact_checksum, modelType };
    return { row, ref, key: cacheKey(ref), deployment, alias, role: 'active' };
  }

  /** A model's type never changes (the registry refuses a version of another type): remembered. */
  private async modelType(modelId: string): Promise<string> {
    let t = this.modelTypes.get(modelId);
    if (t === undefined) {
      t = (await this.models.getModel(modelId)).type;
      if (this.modelTypes.size > MEMO_LIMIT) this.modelTypes.clear();
      this.modelTypes.set(modelId, t);
    }
    return t;
  }
}

function assertServable(row: Pick<ModelVersion, 'model_id' | 'version' | 'status' | 'error'>): void {
  if (SERVABLE.has(row.status)) return;
  const what = `Version ${row.version} of ${row.model_id}`;
  const details = { model_id: row.model_id, version: row.version, status: row.status };
  switch (row.status) {
    case 'queued':
    case 'training':
      throw new ConflictError(
        `${what} is still training (status ${row.status}); predict once its training job has succeeded`,
        details,
        'VERSION_NOT_READY',
      );
    case 'failed':
      throw new ConflictError(
        `${what} failed to train${row.error ? ` (${row.error.slice(0, 200)})` : ''} and cannot serve predictions; use another version`,
        details,
        'VERSION_NOT_SERVABLE',
      );
    case 'cancelled':
      throw new ConflictError(
        `${what} was cancelled before it finished training and cannot serve predictions; use another version`,
        details,
        'VERSION_NOT_SERVABLE',
      );
    case 'archived':
      throw new ConflictError(`${what} is archived and no longer serves predictions`, details, 'VERSION_ARCHIVED');
    default:
      throw new ConflictError(
        `${what} has status ${row.status} and cannot serve predictions`,
        details,
        'VERSION_NOT_SERVABLE',
      );
  }
}
