import { Injectable, Logger, Optional } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service';
import { DeploymentLookupPort } from './deployment-lookup';
import { LoadedModels } from './loaded-models';
import type { LoadedModel } from './model-loader';
import { type Prediction, toPrediction, toSignal } from './model-output';
import { assertFiniteOutput, invalid } from './prediction-errors';
import type {
  PredictBatchBody,
  PredictBatchResult,
  PredictBody,
  PredictMeta,
  PredictResult,
  PreparedInstance,
  PreparedWindows,
  Resolved,
} from './prediction.types';
import { WindowBuilder } from './window-builder';

const INSTANCE_KEYS = new Set(['symbol', 'timeframe', 'features']);

/** An answer and the windows it was computed on (a shadow challenger may reuse them). */
export interface Answered<T> {
  result: T;
  windows: PreparedWindows;
}

/** Where the windows of a challenger's answer come from (see WindowBuilder). */
export interface AnswerSource {
  /** Epoch ms: the stored bar a window built from market data ends at. */
  barsUpTo?: number;
  /** The windows the active version built for the same request: reused when the layouts match. */
  reuse?: PreparedWindows;
}

/**
 * Answers a request with one resolved version: builds the windows, submits them to the
 * version's micro-batcher (concurrent windows of a version share one forward pass), maps the
 * outputs per model type, and hands what was served to the deployment's monitoring.
 */
@Injectable()
export class PredictionRunner {
  private readonly logger = new Logger('Prediction');

  constructor(
    private readonly models: LoadedModels,
    private readonly windows: WindowBuilder,
    private readonly lookups: DeploymentLookupPort,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  /** One window answered by `resolved` (the active version, a canary, or a shadow off the request path). */
  answerOne(
    resolved: Resolved,
    body: PredictBody,
    meta: PredictMeta | undefined,
    started: number,
    source: AnswerSource = {},
  ): Promise<Answered<PredictResult>> {
    const modelId = resolved.ref.modelId;
    return this.models.use(resolved, async (m) => {
      this.describe(meta, resolved, m);
      const reuse = source.reuse && WindowBuilder.canReuse(m.pre, source.reuse) ? source.reuse.instances[0] : undefined;
      const prepared = await this.windows.prepare(m, resolved, body, body, '', { barsUpTo: source.barsUpTo, reuse });
      const raw = await m.batcher.submit(prepared.window);
      assertFiniteOutput(raw, 'features');
      const prediction = toPrediction(m.pre, raw);
      const signal = toSignal(m.pre, prediction, resolved.deployment?.scaling_factor ?? null);
      const latency = performance.now() - started;
      if (resolved.role !== 'shadow') this.observe(modelId, latency);
      this.record(resolved, m, [prepared], [{ prediction, signal }], latency);
      const result: PredictResult = {
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
        ...(prepared.horizonGap ? { horizon_gap: true as const } : {}),
        timestamp: new Date().toISOString(),
        latency_ms: round(latency),
      };
      return { result, windows: layoutOf(m, [prepared]) };
    });
  }

  /** Many windows: all are validated and built first, then submitted together (micro-batched). */
  answerBatch(
    resolved: Resolved,
    body: PredictBatchBody,
    instances: unknown[],
    meta: PredictMeta | undefined,
    started: number,
    source: Pick<AnswerSource, 'reuse'> = {},
  ): Promise<Answered<PredictBatchResult>> {
    const modelId = resolved.ref.modelId;
    return this.models.use(resolved, async (m) => {
      this.describe(meta, resolved, m);
      const reuse = source.reuse && WindowBuilder.canReuse(m.pre, source.reuse) ? source.reuse.instances : undefined;
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
        prepared.push(await this.windows.prepare(m, resolved, inst, body, `${at}.`, { reuse: reuse?.[i] }));
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
      const result: PredictBatchResult = {
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
          ...(p.horizonGap ? { horizon_gap: true as const } : {}),
        })),
        timestamp: new Date().toISOString(),
        latency_ms: round(latency),
      };
      return { result, windows: layoutOf(m, prepared) };
    });
  }

  /** Which version and engine answer (the controller sends them as headers). */
  private describe(meta: PredictMeta | undefined, resolved: Resolved, m: LoadedModel): void {
    if (meta)
      Object.assign(meta, {
        version: resolved.row.version,
        engine: m.engineName,
        role: resolved.deployment ? resolved.role : undefined,
      });
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
    const lookup = this.lookups.current;
    if (!d || !lookup.record) return;
    try {
      const toInputs = (p: PreparedInstance) => ({
        symbol: p.symbol,
        timeframe: p.timeframe,
        features: Object.fromEntries(m.pre.features.map((f, j) => [f, p.rows.map((row) => row[j])])),
      });
      lookup.record(d.deployment_id, {
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

function layoutOf(m: LoadedModel, instances: PreparedInstance[]): PreparedWindows {
  return { features: m.pre.features, window: m.pre.window, instances };
}

/** The number a regression model predicted; null for classes, anomaly scores and actions. */
function regressionValue(p: Prediction): number | null {
  return 'value' in p && typeof p.value === 'number' ? p.value : null;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
