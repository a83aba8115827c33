import { Injectable } from '@nestjs/common';
import { isoOrNull } from '../common/iso-time';
import type { EntityManager } from 'typeorm';
import { ConflictError, NotFoundError } from '../common/errors/app-error';
import type { ModelListDto, ModelSummaryDto } from './dto/models.dto';
import { ModelVersion, type VersionStatus } from './entities/model-version.entity';
import { significanceView, spanKeyOf, trialOf } from './trials/significance-view';
import type { SpanTrials } from './trials/trials.sql';
import { ModelsRepository } from './registry/models.repository';
import type { ModelRow } from './registry/registry-rows';
import { compareVersions, nextVersion } from './version-numbers';
import { ModelArtifacts } from './artifacts';
import { VersionAnnotations } from './version-annotations';
import { AliasesService, type AliasView } from './aliases/aliases.service';

export interface NewVersion {
  modelId: string;
  name: string;
  type: string;
  description?: string;
  tags?: Record<string, string>;
  version: Omit<Partial<ModelVersion>, 'id' | 'model_id' | 'version' | 'status'> &
    Pick<ModelVersion, 'target' | 'timeframe' | 'window'>;
}

/** The model registry: models and their versions (the SQL is in ModelsRepository). */
@Injectable()
export class ModelsService {
  constructor(
    private readonly repo: ModelsRepository,
    private readonly artifacts: ModelArtifacts,
    private readonly annotations: VersionAnnotations,
    private readonly aliases: AliasesService,
  ) {}

  /**
   * Create the model if needed and reserve its next version (status `queued`), inside the
   * caller's transaction. The model row is locked so two concurrent requests never get the
   * same version number.
   */
  async reserveVersion(manager: EntityManager, req: NewVersion): Promise<ModelVersion> {
    const tx = this.repo.within(manager);
    await tx.insertModelIfAbsent({
      id: req.modelId,
      name: req.name,
      type: req.type,
      description: req.description ?? null,
      tags: req.tags ?? {},
    });
    const model = await tx.findModel(req.modelId, true);
    if (!model) throw new Error(`model ${req.modelId} vanished inside its own transaction`);
    if (model.type !== req.type) {
      throw new ConflictError(
        `Model ${req.modelId} is a ${model.type} model; a new version cannot be a ${req.type} model. Choose another model_id or name.`,
        { model_id: req.modelId, type: model.type },
      );
    }
    if (model.archived_at)
      throw new ConflictError(
        `Model ${req.modelId} is archived; choose another model_id or name`,
        { model_id: req.modelId },
        'MODEL_ARCHIVED',
      );
    const version = nextVersion(await tx.versionNumbers(req.modelId));
    await tx.touchModel(req.modelId, req.name, req.description ?? null);
    return tx.insertVersion({ ...req.version, model_id: req.modelId, version, status: 'queued' });
  }

  async updateVersion(
    modelId: string,
    version: string,
    fields: Partial<ModelVersion>,
    manager?: EntityManager,
  ): Promise<void> {
    await (manager ? this.repo.within(manager) : this.repo.direct()).updateVersion(modelId, version, fields);
  }

  /**
   * Sets a version's status (and fields). A version that becomes `experimental` with a
   * `significance` naming its test span is also counted as one trial on that span, in the same
   * transaction, so the counter and the version never disagree.
   */
  async setStatus(
    modelId: string,
    version: string,
    status: VersionStatus,
    fields: Partial<ModelVersion> = {},
  ): Promise<void> {
    const trial = status === 'experimental' ? trialOf(modelId, version, fields.significance) : null;
    if (!trial) return this.updateVersion(modelId, version, { ...fields, status });
    await this.repo.transaction(async (tx) => {
      await tx.updateVersion(modelId, version, { ...fields, status });
      await tx.recordTrial(trial);
    });
  }

  /**
   * GET /api/v1/models in the seed's shape: per model, the deployed version (the highest, when
   * several targets serve different ones) with `status: "deployed"`, else the latest version;
   * the latest version and its status beside it (`latest_version`, `latest_status`), and every
   * deployed version. Filters apply to the version shown; `total` counts all matches.
   */
  async list(q: {
    type?: string;
    status?: string;
    name?: string;
    limit?: number;
    offset?: number;
  }): Promise<ModelListDto> {
    const limit = q.limit ?? 50;
    const offset = q.offset ?? 0;
    const { total, rows } = await this.repo.listModels({ ...q, limit, offset });
    const models: ModelSummaryDto[] = rows.map((r) => ({
      id: r.id,
      name: r.name,
      type: r.type,
      version: r.version,
      status: r.status,
      created_at: isoOrNull(r.created_at)!,
      metrics: r.metrics,
      latest_version: r.latest_version,
      latest_status: r.latest_status,
      deployed_versions: r.deployed_versions ?? [],
    }));
    return { models, total, limit, offset };
  }

  async getModel(id: string): Promise<ModelRow> {
    const model = await this.repo.findModel(id);
    if (!model) throw new NotFoundError(`Model ${id} does not exist`, { model_id: id }, 'MODEL_NOT_FOUND');
    return model;
  }

  async versions(id: string): Promise<ModelVersion[]> {
    const rows = await this.repo.versionsOf(id);
    return rows.sort((a, b) => compareVersions(b.version, a.version));
  }

  /**
   * GET /api/v1/models/{id}: the model; like the list, the deployed version's fields when one is
   * deployed (else the latest's), the latest version beside them, and every version.
   */
  async describe(id: string) {
    const model = await this.getModel(id);
    const [versions, aliases] = await Promise.all([this.versions(id), this.aliases.forModel(id)]);
    const latest = versions[0];
    const deployedVersions = versions.filter((v) => v.status === 'deployed');
    const shown = deployedVersions[0] ?? latest;
    return {
      id: model.id,
      name: model.name,
      type: model.type,
      description: model.description,
      tags: model.tags,
      created_at: isoOrNull(model.created_at),
      archived_at: isoOrNull(model.archived_at),
      version: shown?.version ?? null,
      status: shown?.status ?? null,
      metrics: shown?.metrics ?? {},
      latest_version: latest?.version ?? null,
      latest_status: latest?.status ?? null,
      deployed_versions: deployedVersions.map((v) => v.version),
      aliases: aliases.map((a) => ({ alias: a.alias, version: a.version })),
      versions: await this.versionViews(versions, aliases),
    };
  }

  async getVersion(id: string, version: string): Promise<ModelVersion> {
    const v = await this.repo.findVersion(id, version);
    if (!v) {
      await this.getModel(id);
      throw new NotFoundError(`Model ${id} has no version ${version}`, { model_id: id, version }, 'VERSION_NOT_FOUND');
    }
    return v;
  }

  /** One version as the API shows it, with its trials counter and deflated Sharpe as of now. */
  async versionView(v: ModelVersion) {
    return (await this.versionViews([v]))[0];
  }

  /**
   * Several versions, with one query for the trials of all their test spans; `aliases` (the
   * model's, when the caller has them already) gives each version the names pointing at it.
   */
  async versionViews(versions: ModelVersion[], aliases?: AliasView[]) {
    const keys = versions.map((v) => spanKeyOf(v.significance)).filter((k): k is string => k !== null);
    const modelIds = [...new Set(versions.map((v) => v.model_id))];
    const [trials, all] = await Promise.all([
      this.repo.trialsBySpan(keys),
      aliases ?? Promise.all(modelIds.map((m) => this.aliases.forModel(m))).then((a) => a.flat()),
    ]);
    const named = AliasesService.byVersion(all);
    return versions.map((v) => this.view(v, trials, named.get(`${v.model_id}@${v.version}`) ?? []));
  }

  private view(v: ModelVersion, trials: Map<string, SpanTrials>, aliases: string[]) {
    return {
      model_id: v.model_id,
      version: v.version,
      status: v.status,
      aliases,
      architecture: v.architecture,
      created_at: isoOrNull(v.created_at),
      trained_at: isoOrNull(v.trained_at),
      metrics: v.metrics,
      baselines: v.baselines,
      splits: v.splits ?? null,
      walk_forward: v.walk_forward ?? null,
      significance: significanceView(v.significance, trials),
      features: v.features,
      target: v.target,
      symbols: v.symbols,
      timeframe: v.timeframe,
      window: v.window,
      horizon: v.horizon,
      hyperparameters: v.hyperparameters,
      data_config: v.data_config,
      data_fingerprint: v.data_fingerprint,
      backend: v.backend,
      backend_details: v.backend_details ?? null,
      duration_ms: v.duration_ms,
      artifact_checksum: v.artifact_checksum,
      job_id: v.job_id,
      run_id: v.run_id,
      error: v.error,
    };
  }

  /**
   * GET /api/v1/models/{id}/versions/{version}: the version view plus its `signature` (from the
   * artifact's preprocessing record; null before the artifact exists or when it cannot be read)
   * and what other modules annotate (the engine serving it).
   */
  async versionDetail(v: ModelVersion) {
    let signature: Record<string, unknown> | null = null;
    let files: string[] = [];
    if (v.artifact_checksum || ['experimental', 'deployed', 'archived'].includes(v.status)) {
      try {
        ({ files, signature } = await this.artifacts.readSignature(v));
      } catch {
        /* missing or corrupt artifact: the version's JSON still answers; predict reports the problem */
      }
    }
    return { ...(await this.versionView(v)), files, signature, ...this.annotations.annotate(v.model_id, v.version) };
  }

  /** The version's model.onnx (verified), or 404 when it has none. */
  async onnxFile(modelId: string, version: string): Promise<{ data: Buffer; sha256: string }> {
    const v = await this.getVersion(modelId, version);
    const file = await this.artifacts.readOnnx(modelId, version, v.artifact_checksum);
    if (!file) {
      // A trained network whose architecture has no ONNX export: the training recorded why.
      const why = v.artifact_checksum
        ? await this.artifacts.onnxUnavailableReason(modelId, version, v.artifact_checksum)
        : null;
      if (why)
        throw new ConflictError(
          `Version ${version} of ${modelId} has no model.onnx: ${why}; it is served by tfjs (POST …/predict works as for any version)`,
          { model_id: modelId, version, architecture: v.architecture, reason: why },
          'ONNX_EXPORT_UNSUPPORTED',
        );
      throw new NotFoundError(
        `Version ${version} of ${modelId} has no model.onnx (${['queued', 'training'].includes(v.status) ? 'it is still training' : v.status === 'failed' || v.status === 'cancelled' ? `it ${v.status}` : 'it was trained before ONNX export, or its model type has no network'})`,
        { model_id: modelId, version, status: v.status },
        'ONNX_NOT_AVAILABLE',
      );
    }
    return file;
  }

  /**
   * GET …/versions/{version}/predictions: the version's predictions.csv (validation and test
   * predictions beside the realised values), verified against the version's manifest and the
   * checksum recorded in the registry. 404 while the version has no artifacts, or when its
   * model type records none.
   */
  async predictionsCsv(id: string, version: string): Promise<Buffer> {
    const v = await this.getVersion(id, version);
    const notRecorded = (why: string) =>
      new NotFoundError(
        `Version ${id}/${version} has no stored predictions: ${why}`,
        { model_id: id, version, status: v.status },
        'PREDICTIONS_NOT_FOUND',
      );
    if (!v.artifact_checksum) throw notRecorded(`it is ${v.status} (predictions are stored when training succeeds)`);
    const csv = await this.artifacts.readPredictionsCsv(id, version, v.artifact_checksum);
    if (!csv)
      throw notRecorded(
        'only time_series and classification versions trained since predictions are recorded keep them',
      );
    return csv;
  }

  /** DELETE /api/v1/models/{id}: archive (409 while a version is deployed). History is kept. */
  async archive(id: string) {
    const removed = await this.repo.transaction(async (tx) => {
      const model = await tx.findModel(id, true);
      if (!model) throw new NotFoundError(`Model ${id} does not exist`, { model_id: id }, 'MODEL_NOT_FOUND');
      const deployed = await tx.versionsWithStatus(id, ['deployed']);
      if (deployed.length)
        throw new ConflictError(
          `Model ${id} is deployed (version ${deployed.join(', ')}); undeploy it first`,
          { model_id: id, deployed_versions: deployed },
          'MODEL_DEPLOYED',
        );
      const training = await tx.versionsWithStatus(id, ['queued', 'training']);
      if (training.length)
        throw new ConflictError(
          `Model ${id} has versions still training (${training.join(', ')}); cancel them first`,
          { model_id: id },
          'MODEL_TRAINING',
        );
      await tx.archiveModel(id);
      // Its versions no longer serve: drop the aliases pointing at them (each recorded in the history).
      return this.aliases.removeAll(tx, id, 'model_archived');
    });
    if (removed > 0) this.aliases.changed(id);
    return { id, archived: true as const };
  }
}
