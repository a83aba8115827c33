import * as tf from '@tensorflow/tfjs';
import type { BaseLayerArgs } from './layer-args';

/**
 * [input, reconstruction] → [batch, 1]: the mean squared error of each sample over all its
 * other axes. Appended to a trained autoencoder, it turns the saved model into a scorer, so
 * serving an anomaly model is an ordinary forward pass that answers the score itself.
 */
export class ReconstructionError extends tf.layers.Layer {
  static readonly className = 'WorkbenchReconstructionError';

  constructor(args: BaseLayerArgs = {}) {
    super(args);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const first = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [first[0], 1];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x, y] = inputs as tf.Tensor[];
      const batch = x.shape[0];
      const diff = tf.squaredDifference(tf.reshape(x, [batch, -1]), tf.reshape(y, [batch, -1]));
      return tf.mean(diff, 1, true);
    });
  }
}

tf.serialization.registerClass(ReconstructionError);

/** The autoencoder wrapped to output each window's reconstruction error (its anomaly score). */
export function anomalyScorer(autoencoder: tf.LayersModel): tf.LayersModel {
  const input = tf.input({ shape: autoencoder.inputs[0].shape.slice(1), name: 'window' });
  const reconstruction = autoencoder.apply(input) as tf.SymbolicTensor;
  const score = new ReconstructionError({ name: 'reconstruction_error' }).apply([
    input,
    reconstruction,
  ]) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: score, name: 'anomaly_scorer' });
}
