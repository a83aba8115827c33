import * as tf from '@tensorflow/tfjs';
import type { NetworkSpec } from './network-spec';

/** Multilayer perceptron over the flattened window: the cheapest baseline network. */
export function buildDense(spec: NetworkSpec): tf.LayersModel {
  const input = tf.input({ shape: [spec.window, spec.numFeatures], name: 'window' });
  let x = tf.layers.flatten({ name: 'flatten' }).apply(input) as tf.SymbolicTensor;
  for (let i = 0; i < spec.layers; i++) {
    x = tf.layers.dense({ units: spec.units, activation: 'relu', name: `dense_${i + 1}` }).apply(x) as tf.SymbolicTensor;
    if (spec.dropout > 0) x = tf.layers.dropout({ rate: spec.dropout, name: `dropout_${i + 1}` }).apply(x) as tf.SymbolicTensor;
  }
  const output = tf.layers.dense({ units: spec.outputUnits, activation: spec.outputActivation, name: 'output' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: 'dense' });
}
