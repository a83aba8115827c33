import type * as tf from '@tensorflow/tfjs';

/** The subset of tfjs-layers' LayerArgs our custom layers accept (LayerArgs is not exported). */
export interface BaseLayerArgs {
  name?: string;
  trainable?: boolean;
  inputShape?: tf.Shape;
  batchInputShape?: tf.Shape;
  dtype?: tf.DataType;
}

/** Shapes arrive as `Shape | Shape[]`; our layers all take exactly one input. */
export function singleShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
  return Array.isArray(inputShape[0]) ? (inputShape as tf.Shape[])[0] : (inputShape as tf.Shape);
}

export function singleTensor(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0] : inputs;
}

/** Last dimension of a shape, which must be known to create weights. */
export function lastDim(shape: tf.Shape, layer: string): number {
  const d = shape[shape.length - 1];
  if (d == null)
    throw new Error(`${layer}: the last dimension of the input must be known, got ${JSON.stringify(shape)}`);
  return d;
}
