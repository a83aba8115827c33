import * as tf from '@tensorflow/tfjs';
import { lastDim, singleShape, singleTensor, type BaseLayerArgs } from './layer-args';

export type PositionalEncodingMode = 'sinusoidal' | 'learned';

export interface PositionalEncodingArgs extends BaseLayerArgs {
  mode?: PositionalEncodingMode;
}

/**
 * Adds position information to a [batch, time, d] sequence: self-attention alone is
 * permutation-invariant, so without this a transformer cannot tell bar t from bar t−5.
 *
 * - `sinusoidal` (default): the fixed sin/cos table of Vaswani et al.; no parameters,
 *   nothing to overfit on small forex datasets.
 * - `learned`: a trainable [time, d] table (needs a fixed window length).
 */
export class PositionalEncoding extends tf.layers.Layer {
  static readonly className = 'WorkbenchPositionalEncoding';
  readonly mode: PositionalEncodingMode;
  private table?: tf.LayerVariable;
  // The sinusoid table is kept as plain numbers, not a tensor, so there is nothing to
  // dispose with the model; a [time, d] tensor is built per call inside tidy.
  private sinusoid?: { values: Float32Array; time: number; d: number };

  constructor(args: PositionalEncodingArgs = {}) {
    super(args);
    this.mode = args.mode ?? 'sinusoidal';
    if (this.mode !== 'sinusoidal' && this.mode !== 'learned') {
      throw new Error(`PositionalEncoding: unknown mode ${JSON.stringify(this.mode)}`);
    }
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = singleShape(inputShape);
    const d = lastDim(shape, PositionalEncoding.className);
    const time = shape[shape.length - 2];
    if (this.mode === 'learned') {
      if (time == null) throw new Error('PositionalEncoding: learned mode needs a fixed sequence length');
      this.table = this.addWeight(
        'position_table',
        [time, d],
        'float32',
        tf.initializers.randomNormal({ mean: 0, stddev: 0.02 }),
      );
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return singleShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleTensor(inputs);
      const time = x.shape[x.shape.length - 2];
      const d = x.shape[x.shape.length - 1];
      const table = this.table ? this.table.read() : tf.tensor2d(this.sinusoidTable(time, d), [time, d]);
      return tf.add(x, table); // [time, d] broadcasts over the batch axis
    });
  }

  private sinusoidTable(time: number, d: number): Float32Array {
    if (!this.sinusoid || this.sinusoid.time !== time || this.sinusoid.d !== d) {
      this.sinusoid = { values: sinusoidalPositions(time, d), time, d };
    }
    return this.sinusoid.values;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), mode: this.mode };
  }
}

/** PE(t, 2i) = sin(t / 10000^(2i/d)), PE(t, 2i+1) = cos(t / 10000^(2i/d)); row-major [time, d]. */
export function sinusoidalPositions(time: number, d: number): Float32Array {
  const out = new Float32Array(time * d);
  for (let t = 0; t < time; t++) {
    for (let i = 0; i < d; i++) {
      const angle = t / Math.pow(10000, (2 * Math.floor(i / 2)) / d);
      out[t * d + i] = i % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return out;
}

tf.serialization.registerClass(PositionalEncoding);
