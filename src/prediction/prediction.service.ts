import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  Optional,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import {
  AppError,
  ConflictError,
  DataValidationError,
  ModelError,
  NotFoundError,
  PayloadTooLargeError,
} from '../common/errors/app-error';
import { FeatureCoreError, windowFromRows } from '../features/core';
import { FeaturesService } from '../features/features.service';
import type { Timeframe } from '../market-data/timeframes';
import { MetricsService } from '../metrics/metrics.service';
import { getTf } from '../ml';
import type { ModelVersion } from '../models/entities/model-version.entity';
import { ModelsService } from '../models/models.service';
import { AliasesService } from '../models/aliases/aliases.service';
import { parseVersionRef } from '../models/aliases/alias-names';
import { VersionAnnotations } from '../models/version-annotations';
import {
  type ActiveDeployment,
  DEPLOYMENT_LOOKUP,
  type DeploymentLookup,
  RegistryDeploymentLookup,
} from './deployment-lookup';
import { OnnxRuntimeService } from './engines/onnx-runtime.service';
import { ModelCache, type ModelCacheStats } from './model-cache';
import { cacheKey, type LoadedModel, ModelLoader, type VersionRef } from './model-loader';
import { answeringRole, MAX_REQUEST_KEY, type ServingRole } from './challenger-routing';
import { type Prediction, toPrediction, toSignal } from './model-output';
import { featureRows } from './prediction-input';
import { PREDICTION_OPTIONS, type PredictionOptions } from './prediction.options';

/** The single-window request (the seed's body) and its optional fields. */
export interface PredictBody {
  symbol?: unknown;
  timeframe?: unknown;
  features?: unknown;
  version?: unknown;
  target?: unknown;
  allow_other_symbol?: unknown;
  instances?: unknown;
  /** Keys the canary split (the same key, the same version); the header X-Request-Key does the same. */
  request_key?: unknown;
}

/** The batch request: `instances`, each a window; top-level symbol/timeframe are defaults. */
export interface PredictBatchBody extends Omit<PredictBody, 'features' | 'instances'> {
  instances: unknown;
}

export interface PredictResult {
  model_id: string;
  version: string;
  /** The alias asked for (`"version": "@champion"` → "champion"); absent otherwise. `version` is the one it resolved to. */
  alias?: string;
  /** Through a deployment target: which version answered there, active or canary. */
  role?: ServingRole;
  model_type: string;
  symbol: string;
  timeframe: string;
  prediction: Prediction;
  signal: number | null;
  /** The last stored bar the window ends on (windows built from market data), else null. */
  as_of: string | null;
  /** Present (true) when the horizon of a prediction from stored bars will span a gap (a weekend on intraday bars). */
  horizon_gap?: true;
  timestamp: string;
  latency_ms: number;
}

export interface PredictBatchResult {
  model_id: string;
  version: string;
  alias?: string;
  role?: ServingRole;
  model_type: string;
  count: number;
  predictions: Array<Pick<PredictResult, 'symbol' | 'timeframe' | 'prediction' | 'signal' | 'as_of' | 'horizon_gap'>>;
  timestamp: string;
  latency_ms: number;
}

export interface ResolvedVersion {
  model_id: string;
  version: string;
  status: string;
  model_type: string;
  artifact_checksum: string | null;
  /** Set when the version was chosen through a deployment target. */
  deployment: (ActiveDeployment & { target: string }) | null;
}

/** Filled in by predict(): which version and engine answered (the controller sends them as headers). */
export interface PredictMeta {
  version?: string;
  engine?: string;
  /** active or canary, when served through a deployment target. */
  role?: string;
  /** In: the request's X-Request-Key header (the canary split), when the body has no request_key. */
  requestKey?: string;
}

/** What a loaded version runs on, as /health/ready and the version's JSON report it. */
export interface ServingReport {
  model_id: string;
  version: string;
  engine: string;
  reason: string;
  measured: Record<string, number> | null;
  bytes: number;
}

export interface PredictionStats {
  cache: ModelCacheStats;
  /** Forward passes, those that carried more than one window, windows predicted, the largest pass. */
  batches: { batches: number; coalesced: number; windows: number; max_batch: number };
  loaded: string[];
  tensors: number;
}

interface Resolved {
  row: Pick<ModelVersion, 'model_id' | 'version' | 'status' | 'symbols' | 'timeframe' | 'artifact_checksum' | 'error'>;
  ref: VersionRef;
  key: string;
  deployment: (ActiveDeployment & { target: string }) | null;
  /** Set when the request named the version by an alias ("@champion" → "champion"). */
  alias: string | null;
  /** On its deployment: the active version, or a challenger (canary answering, shadow off the path). */
  role: ServingRole;
}

interface PreparedInstance {
  symbol: string;
  timeframe: string;
  window: Float32Array;
  rows: number[][];
  asOf: string | null;
  /** Built from stored bars: the prediction's horizon will span a gap (a weekend on intraday bars). */
  horizonGap?: boolean;
}

const SERVABLE = new Set(['experimental', 'deployed']);
const MAX_ID_TAIL = 64;
const INSTANCE_KEYS = new Set(['symbol', 'timeframe', 'features']);

/**
 * Serving: resolves which version answers, keeps loaded models in a bounded LRU cache,
 * validates inputs, applies the stored preprocessing, micro-batches concurrent windows per
 * model version into one forward pass, and maps outputs per model type.
 */
@Injectable()
export class PredictionService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Prediction');
  private readonly cache: ModelCache<LoadedModel>;
  private readonly resolutions = new Map<string, { at: number; value: Promise<Resolved> }>();
  private readonly batchTotals = { batches: 0, coalesced: 0, windows: 0, max_batch: 0 };
  private lookup: DeploymentLookup;
  /** Challenger work off the request path (shadow scorings) and canaries that fell back: done and failed. */
  readonly challengerCounts = { scored: 0, failed: 0 };

  constructor(
    private readonly models: ModelsService,
    private readonly features: FeaturesService,
    private readonly loader: ModelLoader,
    @Inject(PREDICTION_OPTIONS) private readonly options: PredictionOptions,
    private readonly registryLookup: RegistryDeploymentLookup,
    private readonly moduleRef: ModuleRef,
    runtime: OnnxRuntimeService,
    annotations: VersionAnnotations,
    private readonly aliases: AliasesService,
    @Optional() private readonly metrics?: MetricsService,
    @Optional() @Inject(DEPLOYMENT_LOOKUP) lookup?: DeploymentLookup,
  ) {
    this.lookup = lookup ?? registryLookup;
    runtime.loadedReport = () => this.serving();
    annotations.register((id, v) => ({ serving: this.serving(id, v)[0] ?? null }));
    // An alias that moved must not be answered from a cached resolution (other replicas: within resolutionTtlMs).
    aliases.onChange((id) => this.invalidate(id));
    this.cache = new ModelCache<LoadedModel>(
      { maxEntries: options.cacheMaxModels, maxBytes: options.cacheMaxBytes },
      (event) => this.metrics?.modelCache.inc({ event }),
    );
  }

  /** A DEPLOYMENT_LOOKUP provided anywhere in the application (the deployment module's) replaces the registry fallback. */
  onApplicationBootstrap(): void {
    if (this.lookup !== this.registryLookup) return;
    try {
      this.lookup = this.moduleRef.get<DeploymentLookup>(DEPLOYMENT_LOOKUP, { strict: false });
    } catch {
      /* none: keep the registry fallback */
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.cache.clear();
  }

  /** Which lookup answers deployment questions (for tests and the startup log). */
  get deploymentLookup(): DeploymentLookup {
    return this.lookup;
  }

  // ------------------------------------------------------------------ public API

  /**
   * POST /api/v1/models/{model_id}/predict. A body with `instances` is the batch form
   * ({@link predictBatch}); otherwise one window, from `features` or from stored bars.
   */
  async predict(modelId: string, body: PredictBody, meta?: PredictMeta): Promise<PredictResult | PredictBatchResult> {
    if (body.instances !== undefined) {
      if (body.features !== undefined)
        throw invalid('features', 'send either features (one window) or instances (a batch), not both');
      return this.predictBatch(modelId, body as PredictBatchBody, meta);
    }
    const started = performance.now();
    const { version, target } = this.selectors(body);
    const key = requestKeyOf(body, meta);
    const primary = await this.resolve(modelId, version, target);
    // A request that names its version gets that version, never the canary.
    const out = await this.answerOne(
      version === undefined ? await this.route(modelId, primary, key) : primary,
      body,
      meta,
      started,
    );
    this.shadow(modelId, primary, body, out.as_of);
    return out;
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
    const { version, target } = this.selectors(body);
    const key = requestKeyOf(body, meta);
    const primary = await this.resolve(modelId, version, target);
    const out = await this.answerBatch(
      version === undefined ? await this.route(modelId, primary, key) : primary,
      body,
      instances,
      meta,
      started,
    );
    this.shadow(modelId, primary, body, null);
    return out;
  }

  /**
   * One window answered by `resolved` (the active version, a canary, or a shadow off the request
   * path). `barsUpTo` (epoch ms) ends a window built from stored bars at that bar: a shadow
   * predicts the bar the active version answered for, even when a newer bar was stored since.
   */
  private answerOne(
    resolved: Resolved,
    body: PredictBody,
    meta: PredictMeta | undefined,
    started: number,
    barsUpTo?: number,
  ): Promise<PredictResult> {
    const modelId = resolved.ref.modelId;
    return this.withModel(resolved, async (m) => {
      if (meta)
        Object.assign(meta, {
          version: resolved.row.version,
          engine: m.engineName,
          role: resolved.deployment ? resolved.role : undefined,
        });
      const prepared = await this.prepare(m, resolved, body, body, '', barsUpTo);
      const raw = await m.batcher.submit(prepared.window);
      assertFiniteOutput(raw, 'features');
      const prediction = toPrediction(m.pre, raw);
      const signal = toSignal(m.pre, prediction, resolved.deployment?.scaling_factor ?? null);
      const latency = performance.now() - started;
      if (resolved.role !== 'shadow') this.observe(modelId, latency);
      this.record(resolved, m, [prepared], [{ prediction, signal }], latency);
      return {
        model_id: modelId,
        version: resolved.row.version,
        ...(resolved.alias ? { alias: resolved.alias } : {}),
        ...(resolved.deployment ? { role: resolved.role } : {}),
        model_type: m.pre.model_type,
        symbol: prepared.symbol,
        timeframe: prepared.timeframe,
        prediction,
        signal,
        as_of: prepared.asOf,
        ...(prepared.horizonGap ? { horizon_gap: true } : {}),
        timestamp: new Date().toISOString(),
        latency_ms: round(latency),
      };
    });
  }

  private answerBatch(
    resolved: Resolved,
    body: PredictBatchBody,
    instances: unknown[],
    meta: PredictMeta | undefined,
    started: number,
  ): Promise<PredictBatchResult> {
    const modelId = resolved.ref.modelId;
    return this.withModel(resolved, async (m) => {
      if (meta)
        Object.assign(meta, {
          version: resolved.row.version,
          engine: m.engineName,
          role: resolved.deployment ? resolved.role : undefined,
        });
      const prepared: PreparedInstance[] = [];
      for (let i = 0; i < instances.length; i++) {
        const inst = instances[i];
        const at = `instances[${i}]`;
        if (inst === null || typeof inst !== 'object' || Array.isArray(inst))
          throw invalid(at, `${at} must be an object {"features": {…}} (optionally with symbol and timeframe)`);
        const unknown = Object.keys(inst).filter((k) => !INSTANCE_KEYS.has(k));
        if (unknown.length)
          throw invalid(
            `${at}.${unknown[0]}`,
            `${at} has unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; an instance holds symbol, timeframe and features`,
          );
        prepared.push(await this.prepare(m, resolved, inst as PredictBody, body, `${at}.`));
      }
      const raws = await Promise.all(prepared.map((p) => m.batcher.submit(p.window)));
      raws.forEach((raw, i) => assertFiniteOutput(raw, `instances[${i}].features`));
      const outputs = raws.map((raw) => {
        const prediction = toPrediction(m.pre, raw);
        return { prediction, signal: toSignal(m.pre, prediction, resolved.deployment?.scaling_factor ?? null) };
      });
      const latency = performance.now() - started;
      if (resolved.role !== 'shadow') this.observe(modelId, latency);
      this.record(resolved, m, prepared, outputs, latency);
      return {
        model_id: modelId,
        version: resolved.row.version,
        ...(resolved.alias ? { alias: resolved.alias } : {}),
        ...(resolved.deployment ? { role: resolved.role } : {}),
        model_type: m.pre.model_type,
        count: prepared.length,
        predictions: prepared.map((p, i) => ({
          symbol: p.symbol,
          timeframe: p.timeframe,
          ...outputs[i],
          as_of: p.asOf,
          ...(p.horizonGap ? { horizon_gap: true } : {}),
        })),
        timestamp: new Date().toISOString(),
        latency_ms: round(latency),
      };
    });
  }

  /** A canary answers its share of the requests; when it cannot (archived, artifacts gone) the active version does, and the log says why. */
  private async route(modelId: string, primary: Resolved, key: string | undefined): Promise<Resolved> {
    if (answeringRole(primary.deployment, key) !== 'canary') return primary;
    try {
      return await this.challengerOf(modelId, primary, 'canary');
    } catch (e) {
      this.challengerCounts.failed++;
      this.logger.warn(
        { model_id: modelId, deployment_id: primary.deployment?.deployment_id, error: (e as Error).message },
        'the canary could not answer; the active version did',
      );
      return primary;
    }
  }

  private async challengerOf(modelId: string, primary: Resolved, role: ServingRole): Promise<Resolved> {
    const r = await this.resolve(modelId, primary.deployment!.challenger!.version, undefined);
    return { ...r, deployment: primary.deployment, alias: null, role };
  }

  /**
   * A shadow challenger scores the same request after the answer was computed, on a later
   * turn of the event loop (never awaited by the request): what it predicts is only recorded
   * for live performance (role shadow); a failure is logged and counted, never answered.
   */
  private shadow(modelId: string, primary: Resolved, body: PredictBody, answeredAsOf: string | null): void {
    if (primary.deployment?.challenger?.mode !== 'shadow') return;
    // The bar the active version answered for: a bar stored between the answer and this later
    // turn must not move the shadow's window (its prediction would belong to another bar).
    const barsUpTo = answeredAsOf === null ? undefined : Date.parse(answeredAsOf);
    setImmediate(() => {
      const started = performance.now();
      void this.challengerOf(modelId, primary, 'shadow')
        .then((r): Promise<unknown> =>
          body.instances !== undefined
            ? this.answerBatch(r, body as PredictBatchBody, body.instances as unknown[], undefined, started)
            : this.answerOne(r, body, undefined, started, barsUpTo),
        )
        .then(() => void this.challengerCounts.scored++)
        .catch((e) => {
          this.challengerCounts.failed++;
          this.logger.warn(
            { model_id: modelId, deployment_id: primary.deployment?.deployment_id, error: (e as Error).message },
            'shadow scoring failed',
          );
        });
    });
  }

  /**
   * The version that answers for (version?, target?): an explicit version; else the one the
   * deployment target serves; else the one deployed version (if exactly one); else the latest
   * trained. 404 for an unknown model, version or target; 409 when it cannot serve (still
   * training, failed, cancelled, archived). Cached for `resolutionTtlMs`.
   */
  async resolveVersion(
    modelId: string,
    selector: { version?: string; target?: string } = {},
  ): Promise<ResolvedVersion> {
    const r = await this.resolve(modelId, selector.version, selector.target);
    return {
      model_id: modelId,
      version: r.row.version,
      status: r.row.status,
      model_type: r.ref.modelType,
      artifact_checksum: r.row.artifact_checksum,
      deployment: r.deployment,
    };
  }

  /** Load a version into the cache now (the deployment module calls this on deploy). */
  async warm(
    modelId: string,
    version: string,
  ): Promise<{ model_id: string; version: string; cached: boolean; bytes: number }> {
    const resolved = await this.resolveUncached(modelId, version, undefined);
    let bytes = 0;
    await this.withModel(resolved, (m) => {
      bytes = m.bytes;
    });
    return { model_id: modelId, version, cached: this.cache.has(resolved.key), bytes };
  }

  /** Forget cached version resolutions (all, or one model's): call after a deploy, rollback or status change. */
  invalidate(modelId?: string): void {
    if (modelId === undefined) this.resolutions.clear();
    else
      for (const key of [...this.resolutions.keys()]) if (key.startsWith(`${modelId}|`)) this.resolutions.delete(key);
  }

  /** Unload a model's versions (all, or one) from the cache; returns how many were loaded. */
  evict(modelId: string, version?: string): number {
    this.invalidate(modelId);
    const prefix = version === undefined ? `${modelId}@` : `${modelId}@${version}#`;
    return this.cache.evictWhere((key) => key.startsWith(prefix));
  }

  /** What every loaded version runs on (engine, why, measurements). */
  serving(modelId?: string, version?: string): ServingReport[] {
    const out: ServingReport[] = [];
    for (const m of this.cache.values()) {
      if ((modelId !== undefined && m.ref.modelId !== modelId) || (version !== undefined && m.ref.version !== version))
        continue;
      out.push({
        model_id: m.ref.modelId,
        version: m.ref.version,
        engine: m.engineName,
        reason: m.report.reason,
        measured: m.report.measured ?? null,
        bytes: m.bytes,
      });
    }
    return out;
  }

  stats(): PredictionStats {
    return {
      cache: this.cache.stats,
      batches: { ...this.batchTotals },
      loaded: this.cache.keys(),
      tensors: getTf().memory().numTensors,
    };
  }

  // ------------------------------------------------------------------ resolution

  private selectors(body: PredictBody): { version?: string; target?: string } {
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

  private resolve(modelId: string, version: string | undefined, target: string | undefined): Promise<Resolved> {
    const key = `${modelId}|${version ?? ''}|${target ?? ''}`;
    const now = performance.now();
    const hit = this.resolutions.get(key);
    if (hit && now - hit.at < this.options.resolutionTtlMs) return hit.value;
    const value = this.resolveUncached(modelId, version, target);
    if (this.resolutions.size > 10_000) this.resolutions.clear();
    this.resolutions.set(key, { at: now, value });
    value.catch(() => {
      if (this.resolutions.get(key)?.value === value) this.resolutions.delete(key);
    });
    return value;
  }

  private async resolveUncached(
    modelId: string,
    version: string | undefined,
    target: string | undefined,
  ): Promise<Resolved> {
    let deployment: Resolved['deployment'] = null;
    let row: ModelVersion | undefined;
    // "@champion": the version the alias points at now (404 ALIAS_NOT_FOUND), then as if that version was asked for.
    const alias = version?.startsWith('@') ? version.slice(1) : null;
    if (alias !== null) version = await this.aliases.resolve(modelId, alias);
    if (target !== undefined) {
      const active = await this.lookup.activeVersion(modelId, target);
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
      const deployed = await this.lookup.deployedVersions(modelId);
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

  private readonly modelTypes = new Map<string, string>();
  /** A model's type never changes (the registry refuses a version of another type): remembered. */
  private async modelType(modelId: string): Promise<string> {
    let t = this.modelTypes.get(modelId);
    if (t === undefined) {
      t = (await this.models.getModel(modelId)).type;
      if (this.modelTypes.size > 10_000) this.modelTypes.clear();
      this.modelTypes.set(modelId, t);
    }
    return t;
  }

  // ------------------------------------------------------------------ serving

  private withModel<R>(resolved: Resolved, fn: (m: LoadedModel) => R | Promise<R>): Promise<R> {
    return this.cache.use(
      resolved.key,
      () =>
        this.loader.load(resolved.ref, {
          maxBatchSize: this.options.batchMaxSize,
          maxWaitMs: this.options.batchMaxWaitMs,
          onBatch: (size) => this.countBatch(size),
        }),
      fn,
    );
  }

  /** Validate one window's inputs and build its scaled window (nothing is batched before this passes). */
  private async prepare(
    m: LoadedModel,
    resolved: Resolved,
    inst: PredictBody,
    defaults: PredictBody,
    prefix: string,
    barsUpTo?: number,
  ): Promise<PreparedInstance> {
    const pre = m.pre;
    const symbolRaw = inst.symbol ?? defaults.symbol;
    const timeframe = inst.timeframe ?? defaults.timeframe;
    if (typeof symbolRaw !== 'string' || symbolRaw.length === 0)
      throw invalid(
        `${prefix}symbol`,
        `${prefix}symbol is required: the currency pair the features belong to, e.g. ${resolved.row.symbols[0] ?? 'EUR/USD'}`,
      );
    if (typeof timeframe !== 'string' || timeframe.length === 0)
      throw invalid(
        `${prefix}timeframe`,
        `${prefix}timeframe is required: this model was trained on ${resolved.row.timeframe} bars`,
      );
    let symbol: string;
    try {
      symbol = this.features.canonicalSymbol(symbolRaw);
    } catch {
      throw invalid(
        `${prefix}symbol`,
        `${prefix}symbol ${JSON.stringify(symbolRaw.slice(0, MAX_ID_TAIL))} is not a currency pair; write it as EUR/USD, EURUSD or eur_usd`,
      );
    }
    const allowOther = defaults.allow_other_symbol;
    if (allowOther !== undefined && typeof allowOther !== 'boolean')
      throw invalid('allow_other_symbol', 'allow_other_symbol must be true or false');
    const trained = resolved.row.symbols;
    if (trained.length > 0 && !trained.includes(symbol) && allowOther !== true) {
      throw new ModelError(
        `Model ${resolved.ref.modelId} ${resolved.row.version} was trained on ${trained.join(', ')}, not ${symbol}; send one of those symbols, or "allow_other_symbol": true to apply it to ${symbol} anyway`,
        {
          symbol,
          trained_symbols: trained,
          fields: [{ field: `${prefix}symbol`, errors: [`not one of ${trained.join(', ')}`] }],
        },
        'SYMBOL_NOT_TRAINED',
      );
    }
    const modelTimeframe = pre.timeframe ?? resolved.row.timeframe;
    if (timeframe !== modelTimeframe) {
      throw new ModelError(
        `Model ${resolved.ref.modelId} ${resolved.row.version} was trained on ${modelTimeframe} bars; send timeframe ${modelTimeframe} with features computed on ${modelTimeframe} bars`,
        {
          timeframe,
          trained_timeframe: modelTimeframe,
          fields: [{ field: `${prefix}timeframe`, errors: [`must be ${modelTimeframe}`] }],
        },
        'TIMEFRAME_MISMATCH',
      );
    }

    const features = inst.features;
    if (features !== undefined) {
      const { rows } = featureRows(features, pre.features, pre.window, `${prefix}features`);
      const window = coreErrors(() => windowFromRows(rows, pre.scaler, pre.window));
      assertFiniteWindow(window, `${prefix}features`);
      return { symbol, timeframe, window, rows, asOf: null };
    }
    // No features: the latest window from the stored bars, built as training built it (features module).
    const served = await this.features.servedWindow(
      symbol,
      timeframe as Timeframe,
      { ...pre, rules: pre.data_rules ?? { start: null, maxGapMs: null } },
      barsUpTo,
    );
    const asOf = new Date(served.asOf).toISOString();
    return { symbol, timeframe, window: served.window, rows: served.rows, asOf, horizonGap: served.horizonGap };
  }

  private countBatch(size: number): void {
    const t = this.batchTotals;
    t.batches++;
    t.windows += size;
    if (size > 1) t.coalesced++;
    if (size > t.max_batch) t.max_batch = size;
    this.metrics?.predictBatchSize.observe(size);
  }

  private observe(modelId: string, latencyMs: number): void {
    this.metrics?.predictLatency.observe({ model_id: modelId }, latencyMs / 1000);
  }

  /** Hand the prediction to the deployment's monitoring (never awaited, never failing the request). */
  private record(
    resolved: Resolved,
    m: LoadedModel,
    inputs: PreparedInstance[],
    outputs: Array<{ prediction: Prediction; signal: number | null }>,
    latencyMs: number,
  ): void {
    const d = resolved.deployment;
    if (!d || !this.lookup.record) return;
    try {
      const toInputs = (p: PreparedInstance) => ({
        symbol: p.symbol,
        timeframe: p.timeframe,
        features: Object.fromEntries(m.pre.features.map((f, j) => [f, p.rows.map((row) => row[j])])),
      });
      this.lookup.record(d.deployment_id, {
        inputs: inputs.length === 1 ? toInputs(inputs[0]) : inputs.map(toInputs),
        outputs: outputs.length === 1 ? outputs[0] : outputs,
        latency_ms: round(latencyMs),
        ok: true,
        version: resolved.row.version,
        engine: m.engineName,
        role: resolved.role,
        horizon: m.pre.horizon,
        served: inputs.map((p, i) => ({
          symbol: p.symbol,
          timeframe: p.timeframe,
          as_of: p.asOf,
          value: regressionValue(outputs[i].prediction),
        })),
      });
    } catch (e) {
      this.logger.warn(
        { deployment_id: d.deployment_id, error: (e as Error).message },
        'recording a prediction failed',
      );
    }
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

/**
 * Finite inputs far outside the training data (1e200…) overflow the network to NaN/Infinity;
 * such an output used to be served as a 200 with `null` values (and NaN's arg-max as the class).
 */
function assertFiniteOutput(raw: Float32Array, field: string): void {
  for (const v of raw) {
    if (!Number.isFinite(v)) {
      const message = `The model's output for ${field} is not a finite number: the inputs are far outside the range it was trained on`;
      throw new ModelError(message, { fields: [{ field, errors: [message] }] }, 'NON_FINITE_PREDICTION');
    }
  }
}

/**
 * Finite inputs far outside float32's range (1e200…) become ±Infinity in the scaled window.
 * tfjs turned them into a NaN output (caught below), but ONNX Runtime's saturating gates may
 * answer a finite number for them: refuse the window itself, whatever the engine.
 */
function assertFiniteWindow(window: Float32Array, field: string): void {
  for (const v of window) {
    if (!Number.isFinite(v)) {
      const message = `The model's output for ${field} is not a finite number: the inputs are far outside the range it was trained on (they overflow once scaled)`;
      throw new ModelError(message, { fields: [{ field, errors: [message] }] }, 'NON_FINITE_PREDICTION');
    }
  }
}

/** The canary key: body `request_key`, else the X-Request-Key header; 422 for anything but a 1–200 character string. */
function requestKeyOf(body: PredictBody, meta: PredictMeta | undefined): string | undefined {
  const [field, key] =
    body.request_key !== undefined ? ['request_key', body.request_key] : ['X-Request-Key', meta?.requestKey];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_REQUEST_KEY)
    throw invalid(
      field,
      `${field} must be a string of 1 to ${MAX_REQUEST_KEY} characters (it keys the canary split: the same key is always answered by the same version)`,
    );
  return key;
}

function invalid(field: string, message: string): DataValidationError {
  return new DataValidationError(message, { fields: [{ field, errors: [message] }] });
}

/** Features-core errors (warm-up gaps, missing columns…) as 422s that keep their code. */
function coreErrors<T>(fn: () => T, message?: string): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof FeatureCoreError)
      throw new DataValidationError(message ? `${message} (${e.message})` : e.message, e.details, e.code);
    if (e instanceof AppError) throw e;
    throw e;
  }
}

/** The number a regression model predicted; null for classes, anomaly scores and actions. */
function regressionValue(p: Prediction): number | null {
  return 'value' in p && typeof p.value === 'number' ? p.value : null;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
