import * as tf from '@tensorflow/tfjs';
import { singleShape, singleTensor, type BaseLayerArgs } from './layer-args';

export type SequencePoolingMode = 'last' | 'mean';

export interface SequencePoolingArgs extends BaseLayerArgs {
  mode?: SequencePoolingMode;
}

/**
 * [batch, time, d] → [batch, d]. `last` keeps the final step (for forecasting, the step
 * nearest the prediction target); `mean` averages all steps (smoother, for regimes).
 * tfjs has globalAveragePooling1d but no "last step" layer, so both live here.
 */
export class SequencePooling extends tf.layers.Layer {
  static readonly className = 'WorkbenchSequencePooling';
  readonly mode: SequencePoolingMode;

  constructor(args: SequencePoolingArgs = {}) {
    super(args);
    this.mode = args.mode ?? 'last';
    if (this.mode !== 'last' && this.mode !== 'mean') {
      throw new Error(`SequencePooling: unknown mode ${JSON.stringify(this.mode)}`);
    }
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = singleShape(inputShape);
    return [shape[0], shape[shape.length - 1]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleTensor(inputs) as tf.Tensor3D;
      if (this.mode === 'mean') return tf.mean(x, 1);
      const [batch, time, d] = x.shape;
      return tf.reshape(tf.slice(x, [0, time - 1, 0], [batch, 1, d]), [batch, d]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), mode: this.mode };
  }
}

tf.serialization.registerClass(SequencePooling);
