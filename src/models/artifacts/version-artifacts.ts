import { ARTIFACT_FILES } from './artifact-layout';
import type { StoredVersion } from './artifact-store';
import { noOnnxReason, parsePreprocessing, PreprocessingError, type Preprocessing } from './preprocessing';

const F = ARTIFACT_FILES;

/**
 * One opened version whose every file matched its manifest: what it holds, its preprocessing
 * record parsed, and its network's files. Prediction loads a model from this.
 */
export class VersionArtifacts {
  constructor(private readonly stored: StoredVersion) {}

  get modelId(): string {
    return this.stored.modelId;
  }

  get version(): string {
    return this.stored.version;
  }

  /** tfjs files (model.json and weights.bin) are there. */
  get hasTfjs(): boolean {
    return this.stored.names.includes(F.modelJson) && this.stored.names.includes(F.weights);
  }

  get hasOnnx(): boolean {
    return this.stored.names.includes(F.onnx);
  }

  /** Why nothing can serve the version (no network file at all), or null. */
  get networkProblem(): string | null {
    return this.hasTfjs || this.hasOnnx ? null : `its artifact has neither ${F.onnx} nor ${F.modelJson} + ${F.weights}`;
  }

  /**
   * The preprocessing record, parsed (PreprocessingError when it is missing or invalid), and
   * why the version has no model.onnx when it has none.
   */
  async preprocessing(fallbackModelType: string): Promise<{ parsed: Preprocessing; noOnnxReason: string | null }> {
    if (!this.stored.names.includes(F.preprocessing))
      throw new PreprocessingError(`its artifact has no ${F.preprocessing}`);
    const raw = await this.stored.json(F.preprocessing);
    return {
      parsed: parsePreprocessing(raw, fallbackModelType),
      noOnnxReason: this.hasOnnx ? null : noOnnxReason(raw),
    };
  }

  /** model.onnx's bytes (verified as they are read). */
  onnx(): Promise<Buffer> {
    return this.stored.file(F.onnx);
  }

  /** The tfjs model.json (parsed; its shape is checked by whoever loads it) and the weights. */
  async tfjs(): Promise<{ modelJson: unknown; weights: Buffer; bytes: number }> {
    const modelJson = await this.stored.json(F.modelJson);
    const weights = await this.stored.file(F.weights);
    const files = this.stored.manifest.files;
    return { modelJson, weights, bytes: (files[F.modelJson]?.bytes ?? 0) + (files[F.weights]?.bytes ?? 0) };
  }
}
