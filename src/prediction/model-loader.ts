import { Injectable } from '@nestjs/common';
import { AppError, NotFoundError } from '../common/errors/app-error';
import { ArtifactStore } from '../models/artifacts';
import { getTf, predictBatch, WEIGHTS_BIN } from '../ml';
import type { Tf } from '../ml';
import { MicroBatcher } from './micro-batcher';
import { parsePreprocessing, PreprocessingError, type Preprocessing } from './model-output';

type LayersModel = Awaited<ReturnType<Tf['loadLayersModel']>>;
type ModelJSON = Parameters<Tf['io']['getModelArtifactsForJSON']>[0];

const MODEL_JSON_FILE = 'model/model.json';
const WEIGHTS_FILE = 'model/weights.bin';
const PREPROCESSING_FILE = 'preprocessing.json';

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
 * One loaded model version: the network, its stored preprocessing, and the micro-batcher
 * that feeds it. Disposing waits for queued and running forward passes first.
 */
export class LoadedModel {
  readonly batcher: MicroBatcher<Float32Array, Float32Array>;
  /** [window, features] (or whatever the network's input is), without the batch dimension. */
  readonly inputShape: number[];
  readonly windowSize: number;
  private disposed = false;

  constructor(
    readonly ref: VersionRef,
    readonly model: LayersModel,
    readonly pre: Preprocessing,
    readonly bytes: number,
    batch: BatchSettings,
  ) {
    this.inputShape = model.inputs[0].shape.slice(1).map((d) => d ?? -1);
    this.windowSize = this.inputShape.reduce((a, b) => a * b, 1);
    this.batcher = new MicroBatcher((inputs) => this.forward(inputs), { maxBatchSize: batch.maxBatchSize, maxWaitMs: batch.maxWaitMs }, batch.onBatch);
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
    const out = await predictBatch(this.model, x, [n, ...this.inputShape], { batchSize: Math.max(n, 1) });
    const units = this.pre.output_units;
    if (out.length !== n * units) throw new Error(`the model returned ${out.length} values for ${n} windows; its preprocessing says ${units} per window`);
    const results: Float32Array[] = new Array(n);
    for (let i = 0; i < n; i++) results[i] = out.slice(i * units, (i + 1) * units);
    return results;
  }

  async dispose(): Promise<void> {
    await this.batcher.drain();
    if (this.disposed) return;
    this.disposed = true;
    this.model.dispose();
  }
}

/**
 * Loads a version from the artifact store: every file's sha256 is verified against the
 * manifest, and the manifest against the checksum the registry recorded; the network is
 * built from the verified bytes themselves (not re-read from disk afterwards).
 */
@Injectable()
export class ModelLoader {
  constructor(private readonly artifacts: ArtifactStore) {}

  async load(ref: VersionRef, batch: BatchSettings): Promise<LoadedModel> {
    const { modelId, version } = ref;
    const where = `${modelId}/${version}`;
    let stored;
    try {
      stored = await this.artifacts.read(modelId, version, ref.checksum ? { expectedChecksum: ref.checksum } : {});
    } catch (e) {
      if (e instanceof NotFoundError) {
        throw new AppError(500, 'ModelError', 'ARTIFACT_MISSING', `Version ${where} is registered as trained but its artifact is missing from the model registry; retrain it or restore ${where} under MODEL_REGISTRY_PATH`, { model_id: modelId, version });
      }
      throw e; // ArtifactCorruptError (500 ARTIFACT_CORRUPT, naming the file and the check) and disk errors
    }
    const failed = (reason: string) => new AppError(500, 'ModelError', 'MODEL_LOAD_FAILED', `Version ${where} could not be loaded: ${reason}`, { model_id: modelId, version, reason });
    for (const name of [MODEL_JSON_FILE, WEIGHTS_FILE, PREPROCESSING_FILE]) {
      if (!stored.names.includes(name)) throw failed(`its artifact has no ${name}`);
    }
    let pre: Preprocessing;
    try {
      pre = parsePreprocessing(await stored.json(PREPROCESSING_FILE), ref.modelType);
    } catch (e) {
      if (e instanceof PreprocessingError) throw failed(e.message);
      throw e;
    }
    const modelJson = await stored.json<ModelJSON>(MODEL_JSON_FILE);
    const weights = await stored.file(WEIGHTS_FILE);
    const tf = getTf();
    await tf.ready();
    let model: LayersModel;
    try {
      const paths = Array.isArray(modelJson?.weightsManifest) ? modelJson.weightsManifest.flatMap((g) => g.paths) : null;
      if (!paths || paths.length !== 1 || paths[0] !== WEIGHTS_BIN) throw new Error(`model.json must list exactly one weights file, ${WEIGHTS_BIN}`);
      const artifacts = await tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        // A copy in this realm's ArrayBuffer (fs Buffers are views into a shared pool).
        const copy = new Uint8Array(weights.byteLength);
        copy.set(weights);
        return [manifest.flatMap((g) => g.weights), copy.buffer];
      });
      model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    } catch (e) {
      throw failed((e as Error).message);
    }
    const input = model.inputs[0].shape;
    if (input.length !== 3 || input[1] !== pre.window || input[2] !== pre.features.length) {
      model.dispose();
      throw failed(`the network takes input [${input.join(', ')}] but preprocessing.json describes windows of ${pre.window} × ${pre.features.length} features`);
    }
    const bytes = (stored.manifest.files[MODEL_JSON_FILE]?.bytes ?? 0) + (stored.manifest.files[WEIGHTS_FILE]?.bytes ?? 0);
    return new LoadedModel(ref, model, pre, bytes, batch);
  }
}
