import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { AppError, NotFoundError } from '../common/errors/app-error';
import {
  ARTIFACT_FILES,
  ModelArtifacts,
  PreprocessingError,
  type Preprocessing,
  type VersionArtifacts,
} from '../models/artifacts';
import { getTf, WEIGHTS_BIN } from '../ml';
import type { Tf } from '../ml';
import { OnnxRuntimeEngine, TfjsEngine, type EngineName, type ForwardEngine } from './engines/forward-engine';
import { OnnxRuntimeService } from './engines/onnx-runtime.service';
import { resolveOnnxIo, OnnxSignatureMismatch } from './engines/onnx-io';
import { selectByMeasurement, type EngineReport } from './engines/select-engine';
import { MicroBatcher } from './micro-batcher';

type LayersModel = Awaited<ReturnType<Tf['loadLayersModel']>>;
type ModelJSON = Parameters<Tf['io']['getModelArtifactsForJSON']>[0];

export interface VersionRef {
  modelId: string;
  version: string;
  /** model_versions.artifact_checksum (the manifest's sha256); null for legacy rows. */
  checksum: string | null;
  modelType: string;
}

export interface BatchSettings {
  maxBatchSize: number;
  maxWaitMs: number;
  onBatch?: (size: number) => void;
}

/** Cache key: a rewritten artifact (new checksum) never hits an old entry. */
export function cacheKey(ref: Pick<VersionRef, 'modelId' | 'version' | 'checksum'>): string {
  return `${ref.modelId}@${ref.version}#${ref.checksum ?? '-'}`;
}

/**
 * One loaded model version: its engine (ONNX Runtime or tfjs), its stored preprocessing, and
 * the micro-batcher that feeds it. Disposing waits for queued and running forward passes first.
 */
export class LoadedModel {
  readonly batcher: MicroBatcher<Float32Array, Float32Array>;
  readonly windowSize: number;
  private disposed = false;

  constructor(
    readonly ref: VersionRef,
    readonly engine: ForwardEngine,
    readonly pre: Preprocessing,
    readonly report: EngineReport,
    batch: BatchSettings,
  ) {
    this.windowSize = pre.window * pre.features.length;
    const maxBatchSize = Math.min(batch.maxBatchSize, engine.maxBatch ?? Infinity);
    this.batcher = new MicroBatcher(
      (inputs) => this.forward(inputs),
      { maxBatchSize, maxWaitMs: batch.maxWaitMs, maxConcurrent: engine.concurrency },
      batch.onBatch,
    );
  }

  get bytes(): number {
    return this.engine.bytes;
  }

  get engineName(): EngineName {
    return this.engine.name;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** One forward pass over many windows (each W×F float32, already scaled). */
  private async forward(inputs: Float32Array[]): Promise<Float32Array[]> {
    if (this.disposed) throw new Error(`model ${this.ref.modelId}@${this.ref.version} was unloaded`);
    const n = inputs.length;
    const size = this.windowSize;
    let x: Float32Array;
    if (n === 1) x = inputs[0];
    else {
      x = new Float32Array(n * size);
      for (let i = 0; i < n; i++) x.set(inputs[i], i * size);
    }
    const out = await this.engine.forward(x, n);
    const units = this.pre.output_units;
    if (out.length !== n * units)
      throw new Error(
        `the model returned ${out.length} values for ${n} windows; its signature says ${units} per window`,
      );
    const results = new Array<Float32Array>(n);
    for (let i = 0; i < n; i++) results[i] = out.slice(i * units, (i + 1) * units);
    return results;
  }

  async dispose(): Promise<void> {
    await this.batcher.drain();
    if (this.disposed) return;
    this.disposed = true;
    await this.engine.dispose();
  }
}

/**
 * Loads a version from the artifact store: every file's sha256 is verified against the
 * manifest, and the manifest against the checksum the registry recorded; the engines are
 * built from the verified bytes themselves (not re-read from disk afterwards).
 *
 * Engine (PREDICTION_ENGINE): `auto` measures both engines on a version that has both
 * model.onnx and tfjs files and keeps the faster (see select-engine.ts); a version with only
 * one of them (imported ONNX; trained before ONNX export) uses that one. `onnxruntime` /
 * `tfjs` force one where the version has its files, and fall back to the other otherwise.
 */
@Injectable()
export class ModelLoader {
  private readonly logger = new Logger('ModelLoader');

  constructor(
    private readonly artifacts: ModelArtifacts,
    private readonly runtime: OnnxRuntimeService,
    private readonly config: AppConfig,
  ) {}

  async load(ref: VersionRef, batch: BatchSettings): Promise<LoadedModel> {
    const { modelId, version } = ref;
    const where = `${modelId}/${version}`;
    let stored: VersionArtifacts;
    try {
      stored = await this.artifacts.openVersion(modelId, version, ref.checksum);
    } catch (e) {
      if (e instanceof NotFoundError) {
        throw new AppError(
          500,
          'ModelError',
          'ARTIFACT_MISSING',
          `Version ${where} is registered as trained but its artifact is missing from the model registry; retrain it or restore ${where} under MODEL_REGISTRY_PATH`,
          { model_id: modelId, version },
        );
      }
      throw e; // ArtifactCorruptError (500 ARTIFACT_CORRUPT, naming the file and the check) and disk errors
    }
    const failed = (reason: string) =>
      new AppError(500, 'ModelError', 'MODEL_LOAD_FAILED', `Version ${where} could not be loaded: ${reason}`, {
        model_id: modelId,
        version,
        reason,
      });
    let pre: Preprocessing;
    let noOnnxReason: string | null;
    try {
      ({ parsed: pre, noOnnxReason } = await stored.preprocessing(ref.modelType));
    } catch (e) {
      if (e instanceof PreprocessingError) throw failed(e.message);
      throw e;
    }
    const { hasTfjs, hasOnnx } = stored;
    if (stored.networkProblem) throw failed(stored.networkProblem);
    const policy = this.config.predictionEngine;
    const ortUsable = hasOnnx && this.runtime.available;
    if (!hasTfjs && !this.runtime.available) {
      throw new AppError(
        503,
        'ServiceUnavailableError',
        'ENGINE_UNAVAILABLE',
        `Version ${where} is an ONNX model and ONNX Runtime is not available in this process (${this.runtime.status().onnxruntime.reason}); install onnxruntime-node`,
        { model_id: modelId, version },
      );
    }

    const wantOrt = ortUsable && policy !== 'tfjs';
    const wantTfjs = hasTfjs && (policy !== 'onnxruntime' || !ortUsable);
    let ort: ForwardEngine | undefined;
    let ortError: string | undefined;
    if (wantOrt || (!hasTfjs && ortUsable)) {
      try {
        ort = await this.loadOrt(ref, stored, pre);
      } catch (e) {
        if (!hasTfjs)
          throw e instanceof AppError
            ? e
            : failed(`ONNX Runtime could not load ${ARTIFACT_FILES.onnx}: ${(e as Error).message}`);
        ortError = (e as Error).message;
        this.logger.warn(
          { model_id: modelId, version, error: ortError },
          'ONNX Runtime could not load the version; tfjs serves it',
        );
      }
    }
    let tfjs: ForwardEngine | undefined;
    if (wantTfjs || (!ort && hasTfjs)) tfjs = await this.loadTfjs(stored, pre, failed);

    let engine: ForwardEngine;
    let report: EngineReport;
    if (ort && tfjs) {
      try {
        ({ engine, report } = await selectByMeasurement(ort, tfjs, pre.window * pre.features.length));
      } catch (e) {
        await ort.dispose();
        engine = tfjs;
        report = {
          engine: 'tfjs',
          reason: `ONNX Runtime failed on the probe windows (${(e as Error).message}): tfjs serves`,
        };
      }
    } else if (ort) {
      engine = ort;
      report = {
        engine: 'onnxruntime',
        reason: hasTfjs ? `PREDICTION_ENGINE=${policy}` : 'ONNX model (no tfjs files)',
      };
    } else {
      engine = tfjs!;
      const why = ortError
        ? `ONNX Runtime could not load model.onnx (${ortError})`
        : !hasOnnx
          ? noOnnxReason!
          : !this.runtime.available
            ? 'ONNX Runtime is not installed'
            : `PREDICTION_ENGINE=${policy}`;
      report = { engine: 'tfjs', reason: why };
    }
    this.logger.log(
      { model_id: modelId, version, engine: report.engine, reason: report.reason, measured: report.measured },
      `serving ${where} with ${report.engine}`,
    );
    return new LoadedModel(ref, engine, pre, report, batch);
  }

  private async loadOrt(ref: VersionRef, stored: VersionArtifacts, pre: Preprocessing): Promise<ForwardEngine> {
    const pool = await this.runtime.get();
    const bytes = await stored.onnx();
    const key = cacheKey(ref);
    const info = await pool.load(key, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    try {
      const io = resolveOnnxIo(info, {
        window: pre.window,
        features: pre.features.length,
        units: pre.output_units,
        input: pre.onnx?.input,
        output: pre.onnx?.output,
      });
      // Each worker thread holds a session, and the pool keeps the bytes to (re)load them.
      return new OnnxRuntimeEngine(pool, key, io, bytes.byteLength * (pool.size + 1));
    } catch (e) {
      pool.unload(key);
      if (e instanceof OnnxSignatureMismatch) throw new Error(e.message, { cause: e });
      throw e;
    }
  }

  private async loadTfjs(
    stored: VersionArtifacts,
    pre: Preprocessing,
    failed: (reason: string) => AppError,
  ): Promise<ForwardEngine> {
    const files = await stored.tfjs();
    const modelJson = files.modelJson as ModelJSON;
    const weights = files.weights;
    const tf = getTf();
    await tf.ready();
    let model: LayersModel;
    try {
      const paths = Array.isArray(modelJson?.weightsManifest)
        ? modelJson.weightsManifest.flatMap((g) => g.paths)
        : null;
      if (!paths || paths.length !== 1 || paths[0] !== WEIGHTS_BIN)
        throw new Error(`model.json must list exactly one weights file, ${WEIGHTS_BIN}`);
      const artifacts = await tf.io.getModelArtifactsForJSON(modelJson, (manifest) => {
        // A copy in this realm's ArrayBuffer (fs Buffers are views into a shared pool).
        const copy = new Uint8Array(weights.byteLength);
        copy.set(weights);
        return Promise.resolve([manifest.flatMap((g) => g.weights), copy.buffer]);
      });
      model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    } catch (e) {
      throw failed((e as Error).message);
    }
    const input = model.inputs[0].shape;
    if (input.length !== 3 || input[1] !== pre.window || input[2] !== pre.features.length) {
      model.dispose();
      throw failed(
        `the network takes input [${input.join(', ')}] but preprocessing.json describes windows of ${pre.window} × ${pre.features.length} features`,
      );
    }
    return new TfjsEngine(model, files.bytes);
  }
}
