import * as tf from '@tensorflow/tfjs';
import { directForward } from './native';

export interface PredictOptions {
  /** Samples per forward pass (bounds peak memory for large requests; default 256). */
  batchSize?: number;
}

/**
 * Run a model on flat float32 input of shape [samples, ...inputShape] and return the flat
 * output. The result is read with `await data()`, never dataSync: a GPU backend would
 * block the event loop (and tfjs-node-gpu forbids some synchronous reads).
 */
export async function predictBatch(
  model: tf.LayersModel,
  x: Float32Array,
  shape: number[],
  options: PredictOptions = {},
): Promise<Float32Array> {
  const expected = model.inputs[0].shape; // [null, window, features]
  if (
    shape.length !== expected.length ||
    shape.some((d, i) => !Number.isInteger(d) || d < 0 || (expected[i] != null && expected[i] !== d))
  ) {
    throw new RangeError(
      `input shape [${shape.join(', ')}] does not match the model's [${expected.map((d) => d ?? 'batch').join(', ')}]`,
    );
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== x.length) throw new RangeError(`shape [${shape.join(', ')}] needs ${size} values, got ${x.length}`);
  if (shape[0] === 0) return new Float32Array(0);

  // A plain LSTM/GRU network on the native engine: the addon alone, no tfjs (native/direct-forward.ts).
  const direct = directForward(model, x, shape, options.batchSize ?? 256);
  if (direct) return direct;

  const input = tf.tensor(x, shape, 'float32');
  let output: tf.Tensor | undefined;
  try {
    const out = model.predict(input, { batchSize: options.batchSize ?? 256 });
    output = Array.isArray(out) ? out[0] : out;
    if (Array.isArray(out)) tf.dispose(out.slice(1));
    // float32 output → Float32Array; copy if a backend hands back another view type.
    const data = await output.data();
    return data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
  } finally {
    input.dispose();
    output?.dispose();
  }
}
