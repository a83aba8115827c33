import { Inject, Injectable } from '@nestjs/common';
import { PayloadTooLargeError } from '../common/errors/app-error';
import { AliasesService } from '../models/aliases/aliases.service';
import { VersionAnnotations } from '../models/version-annotations';
import { ChallengerRouter, requestKeyOf } from './challenger-router';
import { type DeploymentLookup, DeploymentLookupPort } from './deployment-lookup';
import { OnnxRuntimeService } from './engines/onnx-runtime.service';
import { LoadedModels } from './loaded-models';
import { invalid } from './prediction-errors';
import { PredictionRunner } from './prediction-runner';
import { PREDICTION_OPTIONS, type PredictionOptions } from './prediction.options';
import type {
  PredictBatchBody,
  PredictBatchResult,
  PredictBody,
  PredictMeta,
  PredictResult,
  PredictionStats,
  ResolvedVersion,
  ServingReport,
} from './prediction.types';
import { VersionResolver } from './version-resolver';

export type {
  PredictBatchBody,
  PredictBatchResult,
  PredictBody,
  PredictMeta,
  PredictResult,
  PredictionStats,
  ResolvedVersion,
  ServingReport,
} from './prediction.types';

/**
 * Serving, as other modules and the controller see it. The work is split by job:
 * VersionResolver (which version answers), LoadedModels (the bounded model cache, warm/evict,
 * batch counters), WindowBuilder (inputs → scaled windows, from features or stored bars),
 * PredictionRunner (one or many windows through a version's micro-batcher, monitoring) and
 * ChallengerRouter (canary split, shadow scoring).
 */
@Injectable()
export class PredictionService {
  constructor(
    private readonly resolver: VersionResolver,
    private readonly loaded: LoadedModels,
    private readonly runner: PredictionRunner,
    private readonly challengers: ChallengerRouter,
    private readonly lookups: DeploymentLookupPort,
    @Inject(PREDICTION_OPTIONS) private readonly options: PredictionOptions,
    runtime: OnnxRuntimeService,
    annotations: VersionAnnotations,
    aliases: AliasesService,
  ) {
    runtime.loadedReport = () => this.serving();
    annotations.register((id, v) => ({ serving: this.serving(id, v)[0] ?? null }));
    // An alias that moved must not be answered from a cached resolution (other replicas: within resolutionTtlMs).
    aliases.onChange((id) => this.invalidate(id));
  }

  /** Which lookup answers deployment questions (for tests and the startup log). */
  get deploymentLookup(): DeploymentLookup {
    return this.lookups.current;
  }

  /** Challenger work off the request path (shadow scorings) and canaries that fell back: done, failed and shed. */
  get challengerCounts(): { scored: number; failed: number; shed: number } {
    return this.challengers.counts;
  }

  /**
   * POST /api/v1/models/{model_id}/predict. A body with `instances` is the batch form
   * ({@link predictBatch}); otherwise one window, from `features` or from stored bars.
   */
  async predict(modelId: string, body: PredictBody, meta?: PredictMeta): Promise<PredictResult | PredictBatchResult> {
    // While any request is in flight, shadow scorings wait (challenger-router.ts).
    this.challengers.requestStarted();
    try {
      return await this.predictOneOrBatch(modelId, body, meta);
    } finally {
      this.challengers.requestEnded();
    }
  }

  private async predictOneOrBatch(
    modelId: string,
    body: PredictBody,
    meta?: PredictMeta,
  ): Promise<PredictResult | PredictBatchResult> {
    if (body.instances !== undefined) {
      if (body.features !== undefined)
        throw invalid('features', 'send either features (one window) or instances (a batch), not both');
      return this.predictBatch(modelId, body as PredictBatchBody, meta);
    }
    const started = performance.now();
    const { version, target } = this.resolver.selectors(body);
    const key = requestKeyOf(body, meta);
    const primary = await this.resolver.resolve(modelId, version, target);
    // A request that names its version gets that version, never the canary.
    const answering = version === undefined ? await this.challengers.route(modelId, primary, key) : primary;
    const out = await this.runner.answerOne(answering, body, meta, started);
    this.challengers.shadow(modelId, primary, body, out.windows);
    return out.result;
  }

  /** Many windows in one request: all are validated first, then predicted (micro-batched). */
  async predictBatch(modelId: string, body: PredictBatchBody, meta?: PredictMeta): Promise<PredictBatchResult> {
    const started = performance.now();
    const instances = body.instances;
    if (!Array.isArray(instances))
      throw invalid(
        'instances',
        'instances must be an array of windows, each {"features": {…}} (symbol and timeframe from the top level or per instance)',
      );
    if (instances.length === 0) throw invalid('instances', 'instances is empty; send at least one window');
    if (instances.length > this.options.maxInstances) {
      throw new PayloadTooLargeError(
        `A batch request may hold at most ${this.options.maxInstances} instances; this one has ${instances.length}. Split it into several requests.`,
        { max_instances: this.options.maxInstances, given: instances.length },
      );
    }
    const { version, target } = this.resolver.selectors(body);
    const key = requestKeyOf(body, meta);
    const primary = await this.resolver.resolve(modelId, version, target);
    const answering = version === undefined ? await this.challengers.route(modelId, primary, key) : primary;
    const out = await this.runner.answerBatch(answering, body, instances, meta, started);
    this.challengers.shadow(modelId, primary, body, out.windows);
    return out.result;
  }

  /**
   * The version that answers for (version?, target?): see VersionResolver. 404 for an unknown
   * model, version or target; 409 when it cannot serve. Cached for `resolutionTtlMs`.
   */
  async resolveVersion(
    modelId: string,
    selector: { version?: string; target?: string } = {},
  ): Promise<ResolvedVersion> {
    const r = await this.resolver.resolve(modelId, selector.version, selector.target);
    return {
      model_id: modelId,
      version: r.row.version,
      status: r.row.status,
      model_type: r.ref.modelType,
      artifact_checksum: r.row.artifact_checksum,
      deployment: r.deployment,
    };
  }

  /** Load a version into the cache now (on a deployment change, see DeploymentChangeListener). */
  async warm(
    modelId: string,
    version: string,
  ): Promise<{ model_id: string; version: string; cached: boolean; bytes: number }> {
    const resolved = await this.resolver.resolveUncached(modelId, version, undefined);
    const { cached, bytes } = await this.loaded.warm(resolved);
    return { model_id: modelId, version, cached, bytes };
  }

  /** Forget cached version resolutions (all, or one model's): call after a deploy, rollback or status change. */
  invalidate(modelId?: string): void {
    this.resolver.invalidate(modelId);
  }

  /** Unload a model's versions (all, or one) from the cache; returns how many were loaded. */
  evict(modelId: string, version?: string): number {
    this.invalidate(modelId);
    return this.loaded.evict(modelId, version);
  }

  /** What every loaded version runs on (engine, why, measurements). */
  serving(modelId?: string, version?: string): ServingReport[] {
    return this.loaded.serving(modelId, version);
  }

  stats(): PredictionStats {
    return this.loaded.stats();
  }
}
