import type { Tf } from '../../ml';
import { predictBatch } from '../../ml';
import type { OrtPool } from '../../ml/onnx';

export type EngineName = 'onnxruntime' | 'tfjs';
export const ENGINE_NAMES: readonly EngineName[] = ['onnxruntime', 'tfjs'];

type LayersModel = Awaited<ReturnType<Tf['loadLayersModel']>>;

/** One way of running a loaded version's forward pass over n scaled windows. */
export interface ForwardEngine {
  readonly name: EngineName;
  /** Memory it holds (what the model cache counts). */
  readonly bytes: number;
  /** Forward passes that may run at once (worker threads). */
  readonly concurrency: number;
  /** Most windows per pass (a model exported with a fixed batch of 1), or null. */
  readonly maxBatch: number | null;
  /** n windows (each window × features float32, concatenated) → n × units outputs. */
  forward(x: Float32Array, n: number): Promise<Float32Array>;
  dispose(): void | Promise<void>;
}

/** TensorFlow.js on this thread (the model's own backend). */
export class TfjsEngine implements ForwardEngine {
  readonly name = 'tfjs';
  readonly concurrency = 1;
  readonly maxBatch = null;
  private readonly inputShape: number[];

  constructor(
    readonly model: LayersModel,
    readonly bytes: number,
  ) {
    this.inputShape = model.inputs[0].shape.slice(1).map((d) => d ?? -1);
  }

  forward(x: Float32Array, n: number): Promise<Float32Array> {
    return predictBatch(this.model, x, [n, ...this.inputShape], { batchSize: Math.max(n, 1) });
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** ONNX Runtime in the worker-thread pool. */
export class OnnxRuntimeEngine implements ForwardEngine {
  readonly name = 'onnxruntime';

  constructor(
    private readonly pool: OrtPool,
    private readonly key: string,
    private readonly io: { input: string; output: string; windowDims: number[]; maxBatch: number | null },
    readonly bytes: number,
  ) {}

  get concurrency(): number {
    return this.pool.size;
  }

  get maxBatch(): number | null {
    return this.io.maxBatch;
  }

  async forward(x: Float32Array, n: number): Promise<Float32Array> {
    const out = await this.pool.run(this.key, this.io.input, this.io.output, x, [n, ...this.io.windowDims]);
    if (out.dims[0] !== n)
      throw new Error(`ONNX Runtime returned an output of shape [${out.dims.join(', ')}] for ${n} windows`);
    return out.data;
  }

  dispose(): void {
    this.pool.unload(this.key);
  }
}
